"""The key-derivation operation: step rules, capacity, policy, outputs and errors.

Known-answer tests are in test_key_derivation_vectors.py; this file checks the
behaviour the spec asks of the operation (key-derivation.rst, key-agreement.rst,
the key types' derivation procedures in types.rst, DERIVE/VERIFY_DERIVATION in
policy.rst), each error case with the status the spec names.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pytest
from conftest import key_inventory
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import psacrypto as p
from psacrypto.context import LocalContext
from psacrypto.core.key_derivation import KeyDerivationOperation
from psacrypto.errors import (
    AlreadyExistsError,
    BadStateError,
    InsufficientDataError,
    InvalidArgumentError,
    InvalidHandleError,
    InvalidSignatureError,
    NotPermittedError,
    NotSupportedError,
)

SALT = p.KEY_DERIVATION_INPUT_SALT
SECRET = p.KEY_DERIVATION_INPUT_SECRET
INFO = p.KEY_DERIVATION_INPUT_INFO
SEED = p.KEY_DERIVATION_INPUT_SEED
LABEL = p.KEY_DERIVATION_INPUT_LABEL
CONTEXT = p.KEY_DERIVATION_INPUT_CONTEXT
COST = p.KEY_DERIVATION_INPUT_COST
PASSWORD = p.KEY_DERIVATION_INPUT_PASSWORD
OTHER_SECRET = p.KEY_DERIVATION_INPUT_OTHER_SECRET
DERIVE = p.KEY_USAGE_DERIVE
VERIFY = p.KEY_USAGE_VERIFY_DERIVATION

HKDF_SHA256 = p.ALG_HKDF(p.ALG_SHA_256)
PBKDF2_SHA256 = p.ALG_PBKDF2_HMAC(p.ALG_SHA_256)
SP108_HMAC = p.ALG_SP800_108_COUNTER_HMAC(p.ALG_SHA_256)
ECJPAKE_POINT = bytes.fromhex(
    "046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"
    "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5"
)

Inputs = list[tuple[int, Any]]

#: A complete, valid input sequence (all as direct inputs) for every algorithm.
COMPLETE: dict[int, Inputs] = {
    HKDF_SHA256: [(SALT, b"salt"), (SECRET, b"s" * 32), (INFO, b"info")],
    p.ALG_HKDF_EXTRACT(p.ALG_SHA_256): [(SALT, b"salt"), (SECRET, b"s" * 32)],
    p.ALG_HKDF_EXPAND(p.ALG_SHA_256): [(SECRET, b"p" * 32), (INFO, b"info")],
    p.ALG_TLS12_PRF(p.ALG_SHA_256): [(SEED, b"seed"), (SECRET, b"s" * 48), (LABEL, b"label")],
    p.ALG_TLS12_PSK_TO_MS(p.ALG_SHA_384): [
        (SEED, b"seed"),
        (OTHER_SECRET, b"o" * 32),
        (SECRET, b"psk"),
        (LABEL, b"master secret"),
    ],
    p.ALG_TLS12_ECJPAKE_TO_PMS: [(SECRET, ECJPAKE_POINT)],
    SP108_HMAC: [(SECRET, b"k" * 32), (LABEL, b"label"), (CONTEXT, b"context")],
    PBKDF2_SHA256: [(COST, 3), (SALT, b"salt"), (PASSWORD, b"password")],
    p.ALG_PBKDF2_AES_CMAC_PRF_128: [(COST, 3), (SALT, b"salt"), (PASSWORD, b"password")],
}


def feed(op: KeyDerivationOperation, inputs: Inputs) -> None:
    for step, value in inputs:
        if isinstance(value, int):
            op.input_integer(step, value)
        else:
            op.input_bytes(step, value)


def started(ctx: LocalContext, alg: int, inputs: Inputs | None = None) -> KeyDerivationOperation:
    op = ctx.KeyDerivationOperation()
    op.setup(alg)
    feed(op, COMPLETE.get(alg, []) if inputs is None else inputs)
    return op


def new_key(
    ctx: LocalContext,
    key_type: int,
    data: bytes,
    usage: int = DERIVE,
    alg: int = HKDF_SHA256,
) -> int:
    attributes = p.KeyAttributes(type=key_type, usage_flags=usage, algorithm=alg)
    return ctx.import_key(attributes, data)


def assert_error_state(op: KeyDerivationOperation) -> None:
    """After an error the operation refuses everything but abort, then works again."""
    with pytest.raises(BadStateError):
        op.get_capacity()
    op.abort()
    op.setup(HKDF_SHA256)
    op.abort()


# Setup ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "alg",
    [p.ALG_SHA_256, p.ALG_HMAC(p.ALG_SHA_256), p.ALG_ECDH, p.ALG_FFDH, p.ALG_GCM, 0],
    ids=hex,
)
def test_setup_rejects_non_kdf(ctx: LocalContext, alg: int) -> None:
    op = ctx.KeyDerivationOperation()
    with pytest.raises(InvalidArgumentError):
        op.setup(alg)
    op.setup(HKDF_SHA256)  # a failed setup leaves the object inactive
    assert op.get_capacity() == 255 * 32


@pytest.mark.parametrize(
    ("alg", "error"),
    [
        (p.ALG_HKDF(p.ALG_MD2), NotSupportedError),
        (p.ALG_HKDF(p.ALG_SHAKE256_512), NotSupportedError),  # not an HMAC hash
        (p.ALG_PBKDF2_HMAC(p.ALG_SHA_256_192), NotSupportedError),
        (p.ALG_WPA3_SAE_H2E(p.ALG_SHA_256), NotSupportedError),
        (0x08000A09, NotSupportedError),  # an unallocated KDF type
        (p.ALG_HKDF(p.ALG_ANY_HASH), InvalidArgumentError),
        (p.ALG_HKDF(p.ALG_NONE), InvalidArgumentError),
        (p.ALG_KEY_AGREEMENT(p.ALG_ECDH, p.ALG_SP800_108_COUNTER_CMAC), NotSupportedError),
        (p.ALG_KEY_AGREEMENT(p.ALG_ECDH, p.ALG_TLS12_ECJPAKE_TO_PMS), NotSupportedError),
    ],
    ids=lambda v: hex(v) if isinstance(v, int) else v.__name__,
)
def test_setup_unsupported(ctx: LocalContext, alg: int, error: type[Exception]) -> None:
    with pytest.raises(error):
        ctx.KeyDerivationOperation().setup(alg)


def test_setup_twice_is_bad_state(ctx: LocalContext) -> None:
    op = started(ctx, HKDF_SHA256, [])
    with pytest.raises(BadStateError):
        op.setup(HKDF_SHA256)
    assert_error_state(op)


@pytest.mark.parametrize(
    ("alg", "capacity"),
    [
        (HKDF_SHA256, 255 * 32),
        (p.ALG_HKDF(p.ALG_SHA_512), 255 * 64),
        (p.ALG_HKDF_EXPAND(p.ALG_SHA_1), 255 * 20),
        (p.ALG_HKDF_EXTRACT(p.ALG_SHA_384), 48),
        (p.ALG_TLS12_PRF(p.ALG_SHA_256), p.KEY_DERIVATION_UNLIMITED_CAPACITY),
        (p.ALG_TLS12_PSK_TO_MS(p.ALG_SHA_384), p.KEY_DERIVATION_UNLIMITED_CAPACITY),
        (p.ALG_TLS12_ECJPAKE_TO_PMS, 32),
        (SP108_HMAC, 0x1FFFFFFF),
        (p.ALG_SP800_108_COUNTER_CMAC, 0x1FFFFFFF),
        (PBKDF2_SHA256, 0xFFFFFFFF * 32),
        (p.ALG_PBKDF2_AES_CMAC_PRF_128, 0xFFFFFFFF * 16),
        (p.ALG_KEY_AGREEMENT(p.ALG_ECDH, HKDF_SHA256), 255 * 32),
    ],
    ids=hex,
)
def test_initial_capacity(ctx: LocalContext, alg: int, capacity: int) -> None:
    op = ctx.KeyDerivationOperation()
    op.setup(alg)
    assert op.get_capacity() == capacity


# Capacity -------------------------------------------------------------------------------------


def test_capacity_can_only_decrease(ctx: LocalContext) -> None:
    op = started(ctx, HKDF_SHA256)
    op.set_capacity(100)
    with pytest.raises(InvalidArgumentError):
        op.set_capacity(101)
    with pytest.raises(InvalidArgumentError):
        op.set_capacity(-1)
    assert op.get_capacity() == 100  # a refused set_capacity leaves the operation usable
    op.set_capacity(p.KEY_DERIVATION_UNLIMITED_CAPACITY)  # "the most": no change
    assert op.get_capacity() == 100
    op.output_bytes(30)
    assert op.get_capacity() == 70
    op.set_capacity(10)
    op.output_bytes(10)
    assert op.get_capacity() == 0


@pytest.mark.parametrize("alg", sorted(COMPLETE), ids=hex)
def test_insufficient_data(ctx: LocalContext, alg: int) -> None:
    """More than the capacity: INSUFFICIENT_DATA, the capacity drops to 0, and the
    operation stays active (this error is not an error state)."""
    op = started(ctx, alg)
    op.set_capacity(min(op.get_capacity(), 32))
    with pytest.raises(InsufficientDataError):
        op.output_bytes(33)
    assert op.get_capacity() == 0
    assert op.output_bytes(0) == b""
    with pytest.raises(InsufficientDataError):
        op.output_bytes(1)
    with pytest.raises(InsufficientDataError):
        op.verify_bytes(b"x")
    op.abort()


def test_capacity_exhaustion_by_reads(ctx: LocalContext) -> None:
    op = started(ctx, p.ALG_HKDF_EXTRACT(p.ALG_SHA_256))
    prk = op.output_bytes(20) + op.output_bytes(12)
    assert prk == HKDF.extract(hashes.SHA256(), b"salt", b"s" * 32)
    with pytest.raises(InsufficientDataError):
        op.output_bytes(1)


def test_capacity_on_inactive_operation(ctx: LocalContext) -> None:
    op = ctx.KeyDerivationOperation()
    with pytest.raises(BadStateError):
        op.get_capacity()
    op.abort()
    with pytest.raises(BadStateError):
        op.set_capacity(1)


def test_sp800_108_capacity_is_l(ctx: LocalContext) -> None:
    """L is 8 * capacity at the first output; the capacity is then frozen."""
    first = started(ctx, SP108_HMAC)
    first.set_capacity(64)
    a = first.output_bytes(16)
    with pytest.raises(BadStateError):
        first.set_capacity(10)
    assert_error_state(first)
    second = started(ctx, SP108_HMAC)
    second.set_capacity(32)
    assert second.output_bytes(16) != a
    third = started(ctx, SP108_HMAC)
    third.set_capacity(64)
    assert third.output_bytes(16) == a


def test_ecjpake_output_in_one_piece(ctx: LocalContext) -> None:
    op = started(ctx, p.ALG_TLS12_ECJPAKE_TO_PMS)
    with pytest.raises(InvalidArgumentError):
        op.output_bytes(16)
    assert_error_state(op)
    op = started(ctx, p.ALG_TLS12_ECJPAKE_TO_PMS)
    assert op.output_bytes(32) == hashlib.sha256(ECJPAKE_POINT[1:33]).digest()
    with pytest.raises(InsufficientDataError):
        op.output_bytes(32)


# Streaming ------------------------------------------------------------------------------------

STREAMING = [alg for alg in COMPLETE if alg != p.ALG_TLS12_ECJPAKE_TO_PMS]


@pytest.mark.parametrize("alg", STREAMING, ids=hex)
def test_reads_are_one_stream(ctx: LocalContext, alg: int) -> None:
    pieces = [1, 7, 0, 32, 33, 64, 5, 130]
    whole = started(ctx, alg)
    capacity = min(whole.get_capacity(), sum(pieces))
    whole.set_capacity(capacity)
    expected = whole.output_bytes(capacity)
    op = started(ctx, alg)
    op.set_capacity(capacity)
    got = b""
    for n in pieces:
        n = min(n, capacity - len(got))
        got += op.output_bytes(n)
    assert got == expected


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    alg=st.sampled_from(STREAMING),
    cuts=st.lists(st.integers(min_value=0, max_value=90), min_size=1, max_size=8),
)
def test_any_read_split_is_one_stream(ctx: LocalContext, alg: int, cuts: list[int]) -> None:
    whole = started(ctx, alg)
    capacity = whole.get_capacity()
    reads = []
    for n in cuts:
        reads.append(min(n, capacity - sum(reads)))
    expected = whole.output_bytes(sum(reads))
    op = started(ctx, alg)
    assert b"".join(op.output_bytes(n) for n in reads) == expected
    assert op.get_capacity() == whole.get_capacity()


# Step rules -----------------------------------------------------------------------------------


def bad_sequence(
    ctx: LocalContext, alg: int, inputs: Inputs, error: type[Exception], last: Callable[..., Any]
) -> None:
    op = started(ctx, alg, inputs)
    with pytest.raises(error):
        last(op)
    assert_error_state(op)


ORDER_ERRORS: list[tuple[int, Inputs, tuple[int, Any]]] = [
    # HKDF: salt before secret, each step once.
    (HKDF_SHA256, [(SECRET, b"s")], (SALT, b"x")),
    (HKDF_SHA256, [(SALT, b"x")], (SALT, b"x")),
    (HKDF_SHA256, [(SECRET, b"s")], (SECRET, b"s")),
    (HKDF_SHA256, [(INFO, b"i")], (INFO, b"i")),
    # HKDF-Extract: both steps, salt first.
    (p.ALG_HKDF_EXTRACT(p.ALG_SHA_256), [], (SECRET, b"s")),
    # HKDF-Expand: secret, then info.
    (p.ALG_HKDF_EXPAND(p.ALG_SHA_256), [], (INFO, b"i")),
    # TLS 1.2 PRF: seed, secret, label.
    (p.ALG_TLS12_PRF(p.ALG_SHA_256), [], (SECRET, b"s")),
    (p.ALG_TLS12_PRF(p.ALG_SHA_256), [(SEED, b"x")], (LABEL, b"l")),
    (p.ALG_TLS12_PRF(p.ALG_SHA_256), [(SEED, b"x"), (SECRET, b"s")], (SEED, b"x")),
    # PSK-to-MS: the optional other secret comes before the PSK.
    (p.ALG_TLS12_PSK_TO_MS(p.ALG_SHA_256), [(SEED, b"x"), (SECRET, b"s")], (OTHER_SECRET, b"o")),
    # SP 800-108: secret, [label], [context].
    (SP108_HMAC, [], (LABEL, b"l")),
    (SP108_HMAC, [(SECRET, b"k"), (CONTEXT, b"c")], (LABEL, b"l")),
    # PBKDF2: cost, salt (repeatable), password.
    (PBKDF2_SHA256, [], (SALT, b"x")),
    (PBKDF2_SHA256, [(COST, 1)], (PASSWORD, b"x")),
    (PBKDF2_SHA256, [(COST, 1)], (COST, 1)),
    (PBKDF2_SHA256, [(COST, 1), (SALT, b"x"), (PASSWORD, b"p")], (SALT, b"x")),
    (PBKDF2_SHA256, [(COST, 1), (SALT, b"x"), (PASSWORD, b"p")], (PASSWORD, b"p")),
]


@pytest.mark.parametrize(("alg", "inputs", "bad"), ORDER_ERRORS)
def test_step_order_is_bad_state(
    ctx: LocalContext, alg: int, inputs: Inputs, bad: tuple[int, Any]
) -> None:
    step, value = bad
    bad_sequence(ctx, alg, inputs, BadStateError, lambda op: feed(op, [(step, value)]))


def test_inputs_may_be_any_bytes_like(ctx: LocalContext) -> None:
    op = started(
        ctx,
        HKDF_SHA256,
        [(SALT, bytearray(b"salt")), (SECRET, memoryview(b"s" * 32)), (INFO, bytearray(b"info"))],
    )
    assert op.output_bytes(42) == started(ctx, HKDF_SHA256).output_bytes(42)


def test_hkdf_info_any_time_before_output(ctx: LocalContext) -> None:
    op = started(ctx, HKDF_SHA256, [(INFO, b"info"), (SALT, b"salt"), (SECRET, b"s" * 32)])
    assert op.output_bytes(42) == started(ctx, HKDF_SHA256).output_bytes(42)


def test_pbkdf2_salt_inputs_concatenate(ctx: LocalContext) -> None:
    parts = started(
        ctx, PBKDF2_SHA256, [(COST, 3), (SALT, b"sa"), (SALT, b"lt"), (PASSWORD, b"password")]
    )
    assert parts.output_bytes(40) == hashlib.pbkdf2_hmac("sha256", b"password", b"salt", 3, 40)


MISSING: list[tuple[int, Inputs]] = [
    (HKDF_SHA256, [(SALT, b"x"), (SECRET, b"s")]),  # no info
    (HKDF_SHA256, [(INFO, b"i")]),  # no secret
    (p.ALG_HKDF_EXPAND(p.ALG_SHA_256), [(SECRET, b"p" * 32)]),
    (p.ALG_TLS12_PRF(p.ALG_SHA_256), [(SEED, b"x"), (SECRET, b"s")]),  # no label
    (p.ALG_TLS12_ECJPAKE_TO_PMS, []),
    (SP108_HMAC, []),
    (PBKDF2_SHA256, [(COST, 1), (SALT, b"x")]),  # no password
    (PBKDF2_SHA256, [(COST, 1)]),
]


@pytest.mark.parametrize(("alg", "inputs"), MISSING)
@pytest.mark.parametrize("output", ["bytes", "verify", "key"])
def test_output_before_required_steps(
    ctx: LocalContext, alg: int, inputs: Inputs, output: str
) -> None:
    attributes = p.KeyAttributes(type=p.KEY_TYPE_RAW_DATA, bits=128)
    call: dict[str, Callable[[KeyDerivationOperation], Any]] = {
        "bytes": lambda op: op.output_bytes(1),
        "verify": lambda op: op.verify_bytes(b"x"),
        "key": lambda op: op.output_key(attributes),
    }
    bad_sequence(ctx, alg, inputs, BadStateError, call[output])


def test_input_after_output(ctx: LocalContext) -> None:
    op = started(ctx, HKDF_SHA256, [(SALT, b"x"), (SECRET, b"s" * 32), (INFO, b"i")])
    op.output_bytes(1)
    with pytest.raises(BadStateError):
        op.input_bytes(INFO, b"more")
    assert_error_state(op)


def test_inactive_operation(ctx: LocalContext) -> None:
    op = ctx.KeyDerivationOperation()
    key = new_key(ctx, p.KEY_TYPE_DERIVE, b"s" * 32)
    for call in (
        lambda: op.input_bytes(SECRET, b"s"),
        lambda: op.input_integer(COST, 1),
        lambda: op.input_key(SECRET, key),
        lambda: op.key_agreement(SECRET, key, b"peer"),
        lambda: op.output_bytes(1),
        lambda: op.verify_bytes(b""),
        lambda: op.verify_key(key),
        lambda: op.output_key(p.KeyAttributes(type=p.KEY_TYPE_RAW_DATA, bits=8)),
        lambda: op.set_capacity(1),
    ):
        with pytest.raises(BadStateError):
            call()
        op.abort()
    op.abort()  # abort twice, and on a new object, is fine


WRONG_STEP: list[tuple[int, Callable[[KeyDerivationOperation], Any]]] = [
    (HKDF_SHA256, lambda op: op.input_bytes(SEED, b"x")),
    (HKDF_SHA256, lambda op: op.input_bytes(0, b"x")),
    (HKDF_SHA256, lambda op: op.input_integer(COST, 1)),
    (HKDF_SHA256, lambda op: op.input_integer(SECRET, 1)),
    (HKDF_SHA256, lambda op: op.input_bytes(PASSWORD, b"x")),
    (p.ALG_HKDF_EXTRACT(p.ALG_SHA_256), lambda op: op.input_bytes(INFO, b"x")),
    (p.ALG_HKDF_EXPAND(p.ALG_SHA_256), lambda op: op.input_bytes(SALT, b"x")),
    (p.ALG_TLS12_PRF(p.ALG_SHA_256), lambda op: op.input_bytes(OTHER_SECRET, b"x")),
    (PBKDF2_SHA256, lambda op: op.input_bytes(COST, b"\x01")),
    (PBKDF2_SHA256, lambda op: op.input_bytes(SECRET, b"x")),
    (p.ALG_SP800_108_COUNTER_CMAC, lambda op: op.input_bytes(SECRET, bytes(16))),
    (SP108_HMAC, lambda op: op.input_bytes(INFO, b"x")),
]


@pytest.mark.parametrize(("alg", "call"), WRONG_STEP)
def test_wrong_step_is_invalid_argument(
    ctx: LocalContext, alg: int, call: Callable[[KeyDerivationOperation], Any]
) -> None:
    bad_sequence(ctx, alg, [], InvalidArgumentError, call)


BAD_VALUES: list[tuple[int, Inputs, tuple[int, Any], type[Exception]]] = [
    (p.ALG_HKDF_EXPAND(p.ALG_SHA_256), [], (SECRET, b"p" * 31), InvalidArgumentError),
    (
        p.ALG_TLS12_PSK_TO_MS(p.ALG_SHA_256),
        [(SEED, b"x")],
        (SECRET, b"k" * 129),
        InvalidArgumentError,
    ),
    (p.ALG_TLS12_ECJPAKE_TO_PMS, [], (SECRET, ECJPAKE_POINT[:64]), InvalidArgumentError),
    (p.ALG_TLS12_ECJPAKE_TO_PMS, [], (SECRET, b"\x02" + ECJPAKE_POINT[1:]), InvalidArgumentError),
    (SP108_HMAC, [(SECRET, b"k")], (LABEL, b"a\0b"), InvalidArgumentError),
    (PBKDF2_SHA256, [], (COST, 0), InvalidArgumentError),
    (PBKDF2_SHA256, [], (COST, -1), InvalidArgumentError),
    (PBKDF2_SHA256, [], (COST, 1 << 64), InvalidArgumentError),
    (PBKDF2_SHA256, [], (COST, 1 << 31), NotSupportedError),
]


@pytest.mark.parametrize(("alg", "inputs", "bad", "error"), BAD_VALUES)
def test_bad_input_values(
    ctx: LocalContext, alg: int, inputs: Inputs, bad: tuple[int, Any], error: type[Exception]
) -> None:
    bad_sequence(ctx, alg, inputs, error, lambda op: feed(op, [bad]))


def test_psk_max_size_accepted(ctx: LocalContext) -> None:
    inputs = [(SEED, b"x"), (SECRET, b"k" * 128), (LABEL, b"l")]
    assert len(started(ctx, p.ALG_TLS12_PSK_TO_MS(p.ALG_SHA_256), inputs).output_bytes(48)) == 48


def test_sp800_108_optional_steps(ctx: LocalContext) -> None:
    only_secret = started(ctx, SP108_HMAC, [(SECRET, b"k" * 32)])
    empty_both = started(ctx, SP108_HMAC, [(SECRET, b"k" * 32), (LABEL, b""), (CONTEXT, b"")])
    assert only_secret.output_bytes(40) == empty_both.output_bytes(40)


# Keys as inputs and policy --------------------------------------------------------------------


def test_input_key_equals_input_bytes(ctx: LocalContext) -> None:
    secret = new_key(ctx, p.KEY_TYPE_DERIVE, b"s" * 32)
    salt = new_key(ctx, p.KEY_TYPE_RAW_DATA, b"salt")
    info = new_key(ctx, p.KEY_TYPE_RAW_DATA, b"info")
    op = ctx.KeyDerivationOperation()
    op.setup(HKDF_SHA256)
    op.input_key(SALT, salt)
    op.input_key(SECRET, secret)
    op.input_key(INFO, info)
    assert op.output_bytes(50) == started(ctx, HKDF_SHA256).output_bytes(50)


def test_input_key_errors(ctx: LocalContext) -> None:
    def attempt(key: int, step: int = SECRET, alg: int = HKDF_SHA256) -> None:
        op = ctx.KeyDerivationOperation()
        op.setup(alg)
        try:
            op.input_key(step, key)
        finally:
            with pytest.raises(BadStateError):
                op.get_capacity()  # every failure is an error state
            op.abort()

    with pytest.raises(InvalidHandleError):
        attempt(0x3FFF0000)
    no_usage = new_key(ctx, p.KEY_TYPE_DERIVE, b"s" * 32, usage=p.KEY_USAGE_EXPORT)
    with pytest.raises(NotPermittedError):
        attempt(no_usage)
    other_alg = new_key(ctx, p.KEY_TYPE_DERIVE, b"s" * 32, alg=p.ALG_HKDF(p.ALG_SHA_384))
    with pytest.raises(NotPermittedError):
        attempt(other_alg)
    # Key types each step accepts (types.rst "Compatible algorithms"):
    for key_type, step in [
        (p.KEY_TYPE_PASSWORD, SECRET),  # low entropy: never SECRET
        (p.KEY_TYPE_RAW_DATA, SECRET),
        (p.KEY_TYPE_HMAC, SECRET),
        (p.KEY_TYPE_DERIVE, SALT),
        (p.KEY_TYPE_PEPPER, SALT),  # pepper is for PBKDF2 only
        (p.KEY_TYPE_DERIVE, INFO),
    ]:
        key = new_key(ctx, key_type, b"s" * 32)
        with pytest.raises(InvalidArgumentError):
            attempt(key, step)
    pbkdf2_raw = new_key(ctx, p.KEY_TYPE_RAW_DATA, b"s" * 32, alg=PBKDF2_SHA256)
    with pytest.raises(InvalidArgumentError):
        attempt(pbkdf2_raw, PASSWORD, PBKDF2_SHA256)
    with pytest.raises(InvalidArgumentError):  # COST only takes integers
        attempt(pbkdf2_raw, COST, PBKDF2_SHA256)


def test_pbkdf2_key_inputs(ctx: LocalContext) -> None:
    pepper = new_key(ctx, p.KEY_TYPE_PEPPER, b"pepper", alg=PBKDF2_SHA256)
    password = new_key(ctx, p.KEY_TYPE_PASSWORD, b"password", alg=PBKDF2_SHA256)
    derive_key = new_key(ctx, p.KEY_TYPE_DERIVE, b"password", alg=PBKDF2_SHA256)
    for password_key in (password, derive_key):
        op = ctx.KeyDerivationOperation()
        op.setup(PBKDF2_SHA256)
        op.input_integer(COST, 3)
        op.input_bytes(SALT, b"salt")
        op.input_key(SALT, pepper)
        op.input_key(PASSWORD, password_key)
        assert op.output_bytes(32) == hashlib.pbkdf2_hmac(
            "sha256", b"password", b"saltpepper", 3, 32
        )


def test_sp800_108_cmac_keys(ctx: LocalContext) -> None:
    alg = p.ALG_SP800_108_COUNTER_CMAC
    outputs = set()
    for key_type, size in [
        (p.KEY_TYPE_AES, 16),
        (p.KEY_TYPE_AES, 32),
        (p.KEY_TYPE_ARIA, 24),
        (p.KEY_TYPE_CAMELLIA, 16),
        (p.KEY_TYPE_SM4, 16),
    ]:
        key = new_key(ctx, key_type, bytes(range(size)), alg=alg)
        op = ctx.KeyDerivationOperation()
        op.setup(alg)
        op.input_key(SECRET, key)
        op.input_bytes(LABEL, b"label")
        outputs.add(op.output_bytes(32))
    assert len(outputs) == 5
    for key_type, size in [(p.KEY_TYPE_AES, 64), (p.KEY_TYPE_HMAC, 16), (p.KEY_TYPE_DERIVE, 16)]:
        key = new_key(ctx, key_type, bytes(range(size)), alg=alg)
        op = ctx.KeyDerivationOperation()
        op.setup(alg)
        with pytest.raises(InvalidArgumentError):
            op.input_key(SECRET, key)


def test_sp800_108_hmac_accepts_hmac_and_derive_keys(ctx: LocalContext) -> None:
    results = []
    for key_type in (p.KEY_TYPE_HMAC, p.KEY_TYPE_DERIVE):
        key = new_key(ctx, key_type, b"k" * 32, alg=SP108_HMAC)
        op = ctx.KeyDerivationOperation()
        op.setup(SP108_HMAC)
        op.input_key(SECRET, key)
        op.input_bytes(LABEL, b"label")
        op.input_bytes(CONTEXT, b"context")
        results.append(op.output_bytes(24))
    assert results[0] == results[1] == started(ctx, SP108_HMAC).output_bytes(24)


def test_verify_derivation_key_permits_only_verification(ctx: LocalContext) -> None:
    verify_only = new_key(ctx, p.KEY_TYPE_DERIVE, b"s" * 32, usage=VERIFY)
    expected = started(ctx, HKDF_SHA256).output_bytes(32)

    def op_with_key() -> KeyDerivationOperation:
        op = ctx.KeyDerivationOperation()
        op.setup(HKDF_SHA256)
        op.input_bytes(SALT, b"salt")
        op.input_key(SECRET, verify_only)
        op.input_bytes(INFO, b"info")
        return op

    op = op_with_key()
    op.verify_bytes(expected)
    for refused in (
        lambda o: o.output_bytes(1),
        lambda o: o.output_key(p.KeyAttributes(type=p.KEY_TYPE_RAW_DATA, bits=8)),
    ):
        op = op_with_key()
        with pytest.raises(NotPermittedError):
            refused(op)
        assert_error_state(op)


def test_non_secret_key_without_derive(ctx: LocalContext) -> None:
    """DERIVE is needed on every key input for output, not only on the secret."""
    salt = new_key(ctx, p.KEY_TYPE_RAW_DATA, b"salt", usage=VERIFY)
    op = ctx.KeyDerivationOperation()
    op.setup(HKDF_SHA256)
    op.input_key(SALT, salt)
    op.input_bytes(SECRET, b"s" * 32)
    op.input_bytes(INFO, b"info")
    with pytest.raises(NotPermittedError):
        op.output_bytes(32)


def test_output_key_needs_secret_in_a_key(ctx: LocalContext) -> None:
    attributes = p.KeyAttributes(type=p.KEY_TYPE_AES, bits=128)
    for alg in (HKDF_SHA256, PBKDF2_SHA256, p.ALG_TLS12_PRF(p.ALG_SHA_256)):
        op = started(ctx, alg)
        with pytest.raises(NotPermittedError):
            op.output_key(attributes)
        assert_error_state(op)
        assert started(ctx, alg).output_bytes(16)  # bytes output is permitted


# output_key -----------------------------------------------------------------------------------


def keyed_hkdf(ctx: LocalContext, secret: int) -> KeyDerivationOperation:
    op = ctx.KeyDerivationOperation()
    op.setup(HKDF_SHA256)
    op.input_bytes(SALT, b"salt")
    op.input_key(SECRET, secret)
    op.input_bytes(INFO, b"info")
    return op


@pytest.mark.parametrize(
    ("key_type", "bits"),
    [
        (p.KEY_TYPE_AES, 128),
        (p.KEY_TYPE_AES, 256),
        (p.KEY_TYPE_HMAC, 512),
        (p.KEY_TYPE_RAW_DATA, 72),
        (p.KEY_TYPE_DERIVE, 256),
        (p.KEY_TYPE_PASSWORD, 128),
        (p.KEY_TYPE_PEPPER, 128),
        (p.KEY_TYPE_CHACHA20, 256),
        (p.KEY_TYPE_CAMELLIA, 192),
    ],
)
def test_output_key_draws_key_bytes(ctx: LocalContext, key_type: int, bits: int) -> None:
    """Unstructured keys: m/8 bytes of output (types.rst, each type's derivation)."""
    secret = new_key(ctx, p.KEY_TYPE_DERIVE, b"s" * 32)
    op = keyed_hkdf(ctx, secret)
    attributes = p.KeyAttributes(type=key_type, bits=bits, usage_flags=p.KEY_USAGE_EXPORT)
    key = op.output_key(attributes)
    follow = op.output_bytes(8)
    reference = keyed_hkdf(ctx, secret).output_bytes(bits // 8 + 8)
    assert ctx.export_key(key) == reference[: bits // 8]
    assert follow == reference[bits // 8 :]  # the key consumed exactly its bytes
    attrs = ctx.get_key_attributes(key)
    assert (attrs.type, attrs.bits) == (key_type, bits)


def test_output_key_des_procedure(ctx: LocalContext) -> None:
    """DES: 8 bytes per key part, parity bits set (weak keys would be redrawn)."""
    secret = new_key(ctx, p.KEY_TYPE_DERIVE, b"s" * 32)
    attributes = p.KeyAttributes(type=p.KEY_TYPE_DES, bits=192, usage_flags=p.KEY_USAGE_EXPORT)
    key = keyed_hkdf(ctx, secret).output_key(attributes)
    raw = keyed_hkdf(ctx, secret).output_bytes(24)
    parity = bytes((b & 0xFE) | (bin(b & 0xFE).count("1") % 2 == 0) for b in raw)
    assert ctx.export_key(key) == parity


def test_output_key_ecc_procedure(ctx: LocalContext) -> None:
    """secp256r1: d = k + 1 from 32 bytes (types.rst, Weierstrass key derivation)."""
    secret = new_key(ctx, p.KEY_TYPE_DERIVE, b"s" * 32)
    attributes = p.KeyAttributes(
        type=p.KEY_TYPE_ECC_KEY_PAIR(p.ECC_FAMILY_SECP_R1),
        bits=256,
        usage_flags=p.KEY_USAGE_EXPORT,
    )
    key = keyed_hkdf(ctx, secret).output_key(attributes)
    k = int.from_bytes(keyed_hkdf(ctx, secret).output_bytes(32), "big")
    n = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
    assert k <= n - 2  # true for this input; otherwise the procedure draws again
    assert ctx.export_key(key) == (k + 1).to_bytes(32, "big")


def test_output_key_x25519_procedure(ctx: LocalContext) -> None:
    """Curve25519: 32 bytes, clamped as RFC 7748 section 5 decodes a scalar."""
    secret = new_key(ctx, p.KEY_TYPE_DERIVE, b"s" * 32)
    attributes = p.KeyAttributes(
        type=p.KEY_TYPE_ECC_KEY_PAIR(p.ECC_FAMILY_MONTGOMERY),
        bits=255,
        usage_flags=p.KEY_USAGE_EXPORT,
    )
    key = keyed_hkdf(ctx, secret).output_key(attributes)
    raw = bytearray(keyed_hkdf(ctx, secret).output_bytes(32))
    raw[0] &= 0xF8
    raw[31] = (raw[31] & 0x7F) | 0x40
    assert ctx.export_key(key) == bytes(raw)


def test_output_key_dh_procedure(ctx: LocalContext) -> None:
    """FFDH (RFC 7919 2048-bit group): x = k + 1 from 256 bytes (SP 800-56A 5.6.1.1.4)."""
    secret = new_key(ctx, p.KEY_TYPE_DERIVE, b"s" * 32)
    attributes = p.KeyAttributes(
        type=p.KEY_TYPE_DH_KEY_PAIR(p.DH_FAMILY_RFC7919),
        bits=2048,
        usage_flags=p.KEY_USAGE_EXPORT,
    )
    op = keyed_hkdf(ctx, secret)
    key = op.output_key(attributes)
    k = int.from_bytes(keyed_hkdf(ctx, secret).output_bytes(256), "big")
    assert op.get_capacity() == 255 * 32 - 256  # k <= p - 2 at the first draw
    assert ctx.export_key(key) == (k + 1).to_bytes(256, "big")


def test_output_key_custom_default_equals_output_key(ctx: LocalContext) -> None:
    secret = new_key(ctx, p.KEY_TYPE_DERIVE, b"s" * 32)
    attributes = p.KeyAttributes(type=p.KEY_TYPE_AES, bits=128, usage_flags=p.KEY_USAGE_EXPORT)
    a = keyed_hkdf(ctx, secret).output_key(attributes)
    b = keyed_hkdf(ctx, secret).output_key_custom(attributes, p.CustomKeyParameters(), b"")
    assert ctx.export_key(a) == ctx.export_key(b)


@pytest.mark.parametrize(
    ("attributes", "custom", "data", "error"),
    [
        (p.KeyAttributes(type=p.KEY_TYPE_AES, bits=0), 0, b"", InvalidArgumentError),
        (p.KeyAttributes(type=p.KEY_TYPE_AES, bits=100), 0, b"", InvalidArgumentError),
        (p.KeyAttributes(type=p.KEY_TYPE_NONE, bits=128), 0, b"", InvalidArgumentError),
        (
            p.KeyAttributes(type=p.KEY_TYPE_ECC_PUBLIC_KEY(p.ECC_FAMILY_SECP_R1), bits=256),
            0,
            b"",
            InvalidArgumentError,
        ),
        (p.KeyAttributes(type=p.KEY_TYPE_AES, bits=128), 1, b"", InvalidArgumentError),
        (p.KeyAttributes(type=p.KEY_TYPE_AES, bits=128), 0, b"\x01", InvalidArgumentError),
        (
            p.KeyAttributes(type=p.KEY_TYPE_AES, bits=128, lifetime=0x12300),
            0,
            b"",
            InvalidArgumentError,
        ),
        (
            p.KeyAttributes(type=p.KEY_TYPE_PASSWORD_HASH, bits=128, algorithm=HKDF_SHA256 + 1),
            0,
            b"",
            InvalidArgumentError,
        ),
    ],
)
def test_output_key_errors(
    ctx: LocalContext, attributes: p.KeyAttributes, custom: int, data: bytes, error: type[Exception]
) -> None:
    secret = new_key(ctx, p.KEY_TYPE_DERIVE, b"s" * 32)
    op = keyed_hkdf(ctx, secret)
    with pytest.raises(error):
        op.output_key_custom(attributes, p.CustomKeyParameters(flags=custom), data)
    assert_error_state(op)


def test_output_key_insufficient_data(ctx: LocalContext) -> None:
    secret = new_key(ctx, p.KEY_TYPE_DERIVE, b"s" * 32)
    op = keyed_hkdf(ctx, secret)
    op.set_capacity(15)
    before = len(key_inventory(ctx))
    with pytest.raises(InsufficientDataError):
        op.output_key(p.KeyAttributes(type=p.KEY_TYPE_AES, bits=128))
    assert op.get_capacity() == 0
    assert len(key_inventory(ctx)) == before  # no key was made
    op.abort()


def test_output_persistent_key(ctx: LocalContext) -> None:
    secret = new_key(ctx, p.KEY_TYPE_DERIVE, b"s" * 32)
    attributes = p.KeyAttributes(type=p.KEY_TYPE_AES, bits=128, usage_flags=p.KEY_USAGE_EXPORT)
    attributes.set_id(42)
    assert keyed_hkdf(ctx, secret).output_key(attributes) == 42
    op = keyed_hkdf(ctx, secret)
    with pytest.raises(AlreadyExistsError):
        op.output_key(attributes)
    assert_error_state(op)


# Password hashes and verification -------------------------------------------------------------


def pbkdf2_op(
    ctx: LocalContext, password: int | bytes, salt: bytes = b"salt"
) -> KeyDerivationOperation:
    op = ctx.KeyDerivationOperation()
    op.setup(PBKDF2_SHA256)
    op.input_integer(COST, 100)
    op.input_bytes(SALT, salt)
    if isinstance(password, int):
        op.input_key(PASSWORD, password)
    else:
        op.input_bytes(PASSWORD, password)
    return op


def test_password_hash_store_and_verify(ctx: LocalContext) -> None:
    password = new_key(ctx, p.KEY_TYPE_PASSWORD, b"correct horse", alg=PBKDF2_SHA256)
    attributes = p.KeyAttributes(
        type=p.KEY_TYPE_PASSWORD_HASH, bits=256, usage_flags=VERIFY, algorithm=PBKDF2_SHA256
    )
    stored = pbkdf2_op(ctx, password).output_key(attributes)
    # A login attempt: the typed password as bytes, verified against the stored hash.
    pbkdf2_op(ctx, b"correct horse").verify_key(stored)
    op = pbkdf2_op(ctx, b"wrong horse")
    with pytest.raises(InvalidSignatureError):
        op.verify_key(stored)
    assert_error_state(op)
    op = pbkdf2_op(ctx, b"correct horse", salt=b"other salt")
    with pytest.raises(InvalidSignatureError):
        op.verify_key(stored)
    # PASSWORD_HASH with ALG_NONE is accepted too (then it verifies nothing).
    none = p.KeyAttributes(type=p.KEY_TYPE_PASSWORD_HASH, bits=256, usage_flags=p.KEY_USAGE_EXPORT)
    pbkdf2_op(ctx, password).output_key(none)


def test_verify_key_errors(ctx: LocalContext) -> None:
    value = pbkdf2_op(ctx, b"pw").output_bytes(32)

    def check(key: int, error: type[Exception]) -> None:
        op = pbkdf2_op(ctx, b"pw")
        with pytest.raises(error):
            op.verify_key(key)
        assert_error_state(op)

    check(0x3FFF0001, InvalidHandleError)
    check(
        new_key(ctx, p.KEY_TYPE_PASSWORD_HASH, value, usage=DERIVE, alg=PBKDF2_SHA256),
        NotPermittedError,
    )
    check(
        new_key(ctx, p.KEY_TYPE_PASSWORD_HASH, value, usage=VERIFY, alg=HKDF_SHA256),
        NotPermittedError,
    )
    check(
        new_key(ctx, p.KEY_TYPE_RAW_DATA, value, usage=VERIFY, alg=PBKDF2_SHA256),
        InvalidArgumentError,
    )
    good = new_key(ctx, p.KEY_TYPE_PASSWORD_HASH, value, usage=VERIFY, alg=PBKDF2_SHA256)
    pbkdf2_op(ctx, b"pw").verify_key(good)
    op = pbkdf2_op(ctx, b"pw")
    op.set_capacity(31)
    with pytest.raises(InsufficientDataError):
        op.verify_key(good)


def test_verify_bytes(ctx: LocalContext) -> None:
    expected = started(ctx, HKDF_SHA256).output_bytes(40)
    op = started(ctx, HKDF_SHA256)
    op.verify_bytes(expected[:10])
    op.verify_bytes(expected[10:])
    assert op.get_capacity() == 255 * 32 - 40
    op = started(ctx, HKDF_SHA256)
    with pytest.raises(InvalidSignatureError):
        op.verify_bytes(expected[:39] + bytes([expected[39] ^ 1]))
    assert_error_state(op)


# Key agreement --------------------------------------------------------------------------------

P256_PAIR = p.KEY_TYPE_ECC_KEY_PAIR(p.ECC_FAMILY_SECP_R1)
ECDH_HKDF = p.ALG_KEY_AGREEMENT(p.ALG_ECDH, HKDF_SHA256)


def p256_key(ctx: LocalContext, usage: int = DERIVE, alg: int = p.ALG_ECDH) -> tuple[int, bytes]:
    """A P-256 key pair in ``ctx`` and a peer's public key."""
    attributes = p.KeyAttributes(type=P256_PAIR, bits=256, usage_flags=usage, algorithm=alg)
    private = ctx.generate_key(attributes)
    peer = ec.generate_private_key(ec.SECP256R1()).public_key()
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return private, peer.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)


def test_key_agreement_input(ctx: LocalContext) -> None:
    private, peer = p256_key(ctx)
    shared = ctx.raw_key_agreement(p.ALG_ECDH, private, peer)
    op = ctx.KeyDerivationOperation()
    op.setup(ECDH_HKDF)
    op.input_bytes(SALT, b"salt")
    op.key_agreement(SECRET, private, peer)
    op.input_bytes(INFO, b"info")
    expected = HKDF(hashes.SHA256(), 32, b"salt", b"info").derive(shared)
    key = op.output_key(
        p.KeyAttributes(type=p.KEY_TYPE_AES, bits=256, usage_flags=p.KEY_USAGE_EXPORT)
    )
    assert ctx.export_key(key) == expected  # an agreement counts as a key for output_key


def test_key_agreement_other_secret(ctx: LocalContext) -> None:
    alg = p.ALG_KEY_AGREEMENT(p.ALG_ECDH, p.ALG_TLS12_PSK_TO_MS(p.ALG_SHA_256))
    private, peer = p256_key(ctx)
    shared = ctx.raw_key_agreement(p.ALG_ECDH, private, peer)
    op = ctx.KeyDerivationOperation()
    op.setup(alg)
    op.input_bytes(SEED, b"seed")
    op.key_agreement(OTHER_SECRET, private, peer)
    op.input_bytes(SECRET, b"psk")
    op.input_bytes(LABEL, b"master secret")
    reference = [
        (SEED, b"seed"),
        (OTHER_SECRET, shared),
        (SECRET, b"psk"),
        (LABEL, b"master secret"),
    ]
    assert op.output_bytes(48) == started(
        ctx, p.ALG_TLS12_PSK_TO_MS(p.ALG_SHA_256), reference
    ).output_bytes(48)


def test_key_agreement_errors(ctx: LocalContext) -> None:
    private, peer = p256_key(ctx)

    def attempt(alg: int, step: int, key: int, peer_key: bytes = peer) -> None:
        op = ctx.KeyDerivationOperation()
        op.setup(alg)
        try:
            op.key_agreement(step, key, peer_key)
        finally:
            with pytest.raises(BadStateError):
                op.get_capacity()
            op.abort()

    with pytest.raises(InvalidArgumentError):
        attempt(HKDF_SHA256, SECRET, private)  # not a key-agreement algorithm
    with pytest.raises(InvalidArgumentError):
        attempt(ECDH_HKDF, INFO, private)  # INFO cannot come from an agreement
    with pytest.raises(InvalidArgumentError):
        attempt(ECDH_HKDF, SECRET, private, peer[:-1])  # not a valid public key
    with pytest.raises(InvalidHandleError):
        attempt(ECDH_HKDF, SECRET, 0x3FFF0002)
    not_derive, _ = p256_key(ctx, usage=p.KEY_USAGE_SIGN_HASH, alg=p.ALG_ECDSA(p.ALG_SHA_256))
    with pytest.raises(NotPermittedError):
        attempt(ECDH_HKDF, SECRET, not_derive)
    derive_secret = new_key(ctx, p.KEY_TYPE_DERIVE, b"s" * 32, alg=ECDH_HKDF)
    with pytest.raises(InvalidArgumentError):
        attempt(ECDH_HKDF, SECRET, derive_secret)  # not a key pair for ECDH
    op = ctx.KeyDerivationOperation()
    op.setup(ECDH_HKDF)
    op.key_agreement(SECRET, private, peer)
    with pytest.raises(BadStateError):
        op.key_agreement(SECRET, private, peer)  # the step was already given


# check_key_usage agrees with setup and input_key ------------------------------------------------


def test_check_key_usage(ctx: LocalContext) -> None:
    derive = new_key(ctx, p.KEY_TYPE_DERIVE, b"s" * 32)
    ctx.check_key_usage(derive, HKDF_SHA256, DERIVE)
    raw = new_key(ctx, p.KEY_TYPE_RAW_DATA, b"s" * 32)
    ctx.check_key_usage(raw, HKDF_SHA256, DERIVE)  # fits SALT and INFO
    password = new_key(ctx, p.KEY_TYPE_PASSWORD, b"pw", alg=HKDF_SHA256)
    with pytest.raises(InvalidArgumentError):
        ctx.check_key_usage(password, HKDF_SHA256, DERIVE)
    with pytest.raises(NotSupportedError):
        ctx.check_key_usage(derive, p.ALG_HKDF(p.ALG_MD2), DERIVE)
    with pytest.raises(NotPermittedError):
        ctx.check_key_usage(derive, HKDF_SHA256, VERIFY)
    short = new_key(ctx, p.KEY_TYPE_DERIVE, b"s" * 16, alg=p.ALG_HKDF_EXPAND(p.ALG_SHA_256))
    with pytest.raises(InvalidArgumentError):  # a PRK shorter than the hash
        ctx.check_key_usage(short, p.ALG_HKDF_EXPAND(p.ALG_SHA_256), DERIVE)
    hashed = new_key(ctx, p.KEY_TYPE_PASSWORD_HASH, b"h" * 32, usage=VERIFY, alg=PBKDF2_SHA256)
    ctx.check_key_usage(hashed, PBKDF2_SHA256, VERIFY)
    aes = new_key(ctx, p.KEY_TYPE_AES, bytes(16), alg=p.ALG_SP800_108_COUNTER_CMAC)
    ctx.check_key_usage(aes, p.ALG_SP800_108_COUNTER_CMAC, DERIVE)
    with pytest.raises(InvalidArgumentError):
        ctx.check_key_usage(aes, HKDF_SHA256, DERIVE)


CANDIDATE_KEYS = [
    (p.KEY_TYPE_DERIVE, 32),
    (p.KEY_TYPE_DERIVE, 65),
    (p.KEY_TYPE_DERIVE, 200),
    (p.KEY_TYPE_RAW_DATA, 16),
    (p.KEY_TYPE_HMAC, 32),
    (p.KEY_TYPE_PASSWORD, 12),
    (p.KEY_TYPE_PEPPER, 16),
    (p.KEY_TYPE_PASSWORD_HASH, 32),
    (p.KEY_TYPE_AES, 16),
    (p.KEY_TYPE_AES, 64),
    (p.KEY_TYPE_CHACHA20, 32),
]


@pytest.mark.parametrize("alg", sorted(COMPLETE), ids=hex)
def test_check_key_usage_agrees_with_input_key(ctx: LocalContext, alg: int) -> None:
    """check_key_usage(DERIVE) accepts a key exactly when some input step takes it."""
    for key_type, size in CANDIDATE_KEYS:
        data = ECJPAKE_POINT if size == 65 else bytes(range(1, size + 1))
        key = new_key(ctx, key_type, data, alg=alg)
        accepted = False
        for i, (step, _) in enumerate(COMPLETE[alg]):
            op = started(ctx, alg, COMPLETE[alg][:i])
            try:
                op.input_key(step, key)
                accepted = True
            except (InvalidArgumentError, NotSupportedError):
                pass
            op.abort()
        try:
            ctx.check_key_usage(key, alg, DERIVE)
            checked = True
        except (InvalidArgumentError, NotSupportedError):
            checked = False
        assert checked == accepted, (hex(key_type), size)


# The context's flat functions -------------------------------------------------------------------


def test_flat_functions(ctx: LocalContext) -> None:
    op = ctx.KeyDerivationOperation()
    ctx.key_derivation_setup(op, HKDF_SHA256)
    ctx.key_derivation_set_capacity(op, 64)
    assert ctx.key_derivation_get_capacity(op) == 64
    ctx.key_derivation_input_bytes(op, SALT, b"salt")
    secret = new_key(ctx, p.KEY_TYPE_DERIVE, b"s" * 32)
    ctx.key_derivation_input_key(op, SECRET, secret)
    ctx.key_derivation_input_bytes(op, INFO, b"info")
    out = ctx.key_derivation_output_bytes(op, 16)
    ctx.key_derivation_verify_bytes(op, keyed_hkdf(ctx, secret).output_bytes(32)[16:])
    key = ctx.key_derivation_output_key(p.KeyAttributes(type=p.KEY_TYPE_RAW_DATA, bits=64), op)
    key2 = ctx.key_derivation_output_key_custom(
        p.KeyAttributes(type=p.KEY_TYPE_RAW_DATA, bits=64), op, p.CustomKeyParameters(), b""
    )
    assert key != key2
    ctx.key_derivation_abort(op)
    assert out == keyed_hkdf(ctx, secret).output_bytes(16)
    op = pbkdf2_op(ctx, b"pw")
    ctx.key_derivation_abort(op)
    ctx.key_derivation_setup(op, PBKDF2_SHA256)
    ctx.key_derivation_input_integer(op, COST, 100)
    ctx.key_derivation_input_bytes(op, SALT, b"salt")
    ctx.key_derivation_input_bytes(op, PASSWORD, b"pw")
    hashed = new_key(
        ctx,
        p.KEY_TYPE_PASSWORD_HASH,
        pbkdf2_op(ctx, b"pw").output_bytes(16),
        usage=VERIFY,
        alg=PBKDF2_SHA256,
    )
    ctx.key_derivation_verify_key(op, hashed)
    private, peer = p256_key(ctx)
    op = ctx.KeyDerivationOperation()
    ctx.key_derivation_setup(op, ECDH_HKDF)
    ctx.key_derivation_key_agreement(op, SECRET, private, peer)
