"""The complete API of one owner: every family mixed into one class.

Each family lives in its own module (see docs/internals.md); this module only
composes them. A family that is not built yet is simply absent here.
"""

from __future__ import annotations

from .aead import AeadFunctions
from .agreement import KeyAgreement
from .asym_encrypt import AsymmetricEncryption
from .cipher import CipherFunctions
from .encapsulation import KeyEncapsulation
from .hash import HashFunctions
from .key_derivation import KeyDerivationFunctions
from .key_wrapping import KeyWrappingFunctions
from .keys import KeyManagement
from .mac import MacFunctions
from .pake import PakeFunctions
from .random import RandomFunctions
from .sign import SignFunctions
from .sign_operation import SignOperationFunctions
from .xof import XofFunctions


class LocalSession(
    KeyManagement,
    HashFunctions,
    MacFunctions,
    CipherFunctions,
    AeadFunctions,
    KeyDerivationFunctions,
    SignFunctions,
    SignOperationFunctions,
    AsymmetricEncryption,
    KeyAgreement,
    KeyEncapsulation,
    KeyWrappingFunctions,
    XofFunctions,
    PakeFunctions,
    RandomFunctions,
):
    """The PSA API for one owner of a :class:`~psacrypto.core.session.Core`."""
