"""psacrypto: the PSA Certified Crypto API 1.5 for Python.

Names are the spec's without the ``psa_``/``PSA_`` prefix. Call
:func:`crypto_init` once; the module-level functions then run on the default
context (in-process, or a service named by ``PSACRYPTO_URL``). Explicit contexts:
:func:`open_local` and :func:`connect`; each has every API function as a method.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from . import constants as _constants
from . import macros as _macros
from .attributes import (
    CUSTOM_KEY_PARAMETERS_INIT,
    KEY_ATTRIBUTES_INIT,
    PAKE_CIPHER_SUITE_INIT,
    CustomKeyParameters,
    KeyAttributes,
    PakeCipherSuite,
    get_key_algorithm,
    get_key_bits,
    get_key_id,
    get_key_lifetime,
    get_key_type,
    get_key_usage_flags,
    key_attributes_init,
    pake_cipher_suite_init,
    pake_cs_get_algorithm,
    pake_cs_get_key_confirmation,
    pake_cs_get_primitive,
    pake_cs_set_algorithm,
    pake_cs_set_key_confirmation,
    pake_cs_set_primitive,
    reset_key_attributes,
    set_key_algorithm,
    set_key_bits,
    set_key_id,
    set_key_lifetime,
    set_key_type,
    set_key_usage_flags,
)
from .constants import *  # noqa: F403
from .context import (
    connect,
    crypto_init,
    default_context,
    open_local,
    open_url,
    reset_default_context,
    set_default_context,
)
from .core.local import LocalSession as _LocalSession
from .errors import *  # noqa: F403
from .errors import ERROR_CLASSES, PsaError, error_from_status
from .macros import *  # noqa: F403

__version__ = "0.1.0"


def _api_names() -> list[str]:
    """Every public API call of a context (methods of the local session)."""
    return sorted(
        name
        for name in dir(_LocalSession)
        if not name.startswith("_") and name not in ("owner", "core")
    )


API_NAMES: tuple[str, ...] = tuple(_api_names())


def _make_default_call(name: str) -> Callable[..., Any]:
    method = getattr(_LocalSession, name)

    @functools.wraps(method)
    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(default_context(), name)(*args, **kwargs)

    call.__qualname__ = name
    return call


_DEFAULT_CALLS: dict[str, Callable[..., Any]] = {n: _make_default_call(n) for n in API_NAMES}
globals().update(_DEFAULT_CALLS)


_OPERATION_FAMILIES = {
    "hash": "HashOperation",
    "mac": "MacOperation",
    "cipher": "CipherOperation",
    "aead": "AeadOperation",
    "key_derivation": "KeyDerivationOperation",
    "sign": "SignOperation",
    "verify": "VerifyOperation",
    "xof": "XofOperation",
    "pake": "PakeOperation",
}


def _make_operation_init(family: str, class_name: str) -> Callable[[], Any]:
    def init() -> Any:
        return getattr(default_context(), class_name)()

    init.__name__ = init.__qualname__ = f"{family}_operation_init"
    init.__doc__ = (
        f"``psa_{family}_operation_init`` / ``PSA_{family.upper()}_OPERATION_INIT``: "
        f"a new, inactive {class_name} of the default context."
    )
    return init


_OPERATION_INITS: dict[str, Callable[[], Any]] = {}
for _family, _class in _OPERATION_FAMILIES.items():
    if hasattr(_LocalSession, _class):
        _init = _make_operation_init(_family, _class)
        _OPERATION_INITS[f"{_family}_operation_init"] = _init
        _OPERATION_INITS[f"{_family.upper()}_OPERATION_INIT"] = _init
globals().update(_OPERATION_INITS)


def _bind_default(ctx: Any) -> None:
    """Point the module-level functions straight at ``ctx``'s bound methods, so a
    call through ``psacrypto.<name>`` costs no extra indirection."""
    namespace = globals()
    for name in API_NAMES:
        bound = getattr(ctx, name, None)
        if bound is not None:
            namespace[name] = bound


def _unbind_default() -> None:
    globals().update(_DEFAULT_CALLS)


__all__ = [
    "API_NAMES",
    "CUSTOM_KEY_PARAMETERS_INIT",
    "ERROR_CLASSES",
    "KEY_ATTRIBUTES_INIT",
    "PAKE_CIPHER_SUITE_INIT",
    "CustomKeyParameters",
    "KeyAttributes",
    "PakeCipherSuite",
    "PsaError",
    "connect",
    "crypto_init",
    "default_context",
    "error_from_status",
    "get_key_algorithm",
    "get_key_bits",
    "get_key_id",
    "get_key_lifetime",
    "get_key_type",
    "get_key_usage_flags",
    "key_attributes_init",
    "open_local",
    "open_url",
    "pake_cipher_suite_init",
    "pake_cs_get_algorithm",
    "pake_cs_get_key_confirmation",
    "pake_cs_get_primitive",
    "pake_cs_set_algorithm",
    "pake_cs_set_key_confirmation",
    "pake_cs_set_primitive",
    "reset_default_context",
    "reset_key_attributes",
    "set_default_context",
    "set_key_algorithm",
    "set_key_bits",
    "set_key_id",
    "set_key_lifetime",
    "set_key_type",
    "set_key_usage_flags",
    *API_NAMES,
    *_OPERATION_INITS,
    *(n for n in dir(_constants) if n.isupper()),
    *(n for n in dir(_macros) if n[:1].isupper()),
]
