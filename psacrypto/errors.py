"""PSA status codes as Python exceptions.

Every failing call raises a subclass of :class:`PsaError` whose ``status`` is the
spec's integer status code, so the same value crosses the wire unchanged and C
callers see exactly what a C implementation would return.
"""

from __future__ import annotations

from typing import ClassVar

from . import constants as c

__all__ = [
    "AlreadyExistsError",
    "BadStateError",
    "BufferTooSmallError",
    "CommunicationFailureError",
    "CorruptionDetectedError",
    "DataCorruptError",
    "DataInvalidError",
    "DoesNotExistError",
    "ERROR_CLASSES",
    "GenericError",
    "HardwareFailureError",
    "InsufficientDataError",
    "InsufficientEntropyError",
    "InsufficientMemoryError",
    "InsufficientStorageError",
    "InvalidArgumentError",
    "InvalidHandleError",
    "InvalidPaddingError",
    "InvalidSignatureError",
    "NotPermittedError",
    "NotSupportedError",
    "PsaError",
    "StorageFailureError",
    "error_from_status",
]


class PsaError(Exception):
    """Base of every PSA failure; ``status`` is the spec's ``psa_status_t`` value."""

    status: ClassVar[int] = c.ERROR_GENERIC_ERROR
    name: ClassVar[str] = "ERROR_GENERIC_ERROR"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.name)

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (str(self),))


class GenericError(PsaError):
    status = c.ERROR_GENERIC_ERROR
    name = "ERROR_GENERIC_ERROR"


class NotPermittedError(PsaError):
    status = c.ERROR_NOT_PERMITTED
    name = "ERROR_NOT_PERMITTED"


class NotSupportedError(PsaError):
    status = c.ERROR_NOT_SUPPORTED
    name = "ERROR_NOT_SUPPORTED"


class InvalidArgumentError(PsaError):
    status = c.ERROR_INVALID_ARGUMENT
    name = "ERROR_INVALID_ARGUMENT"


class InvalidHandleError(PsaError):
    status = c.ERROR_INVALID_HANDLE
    name = "ERROR_INVALID_HANDLE"


class BadStateError(PsaError):
    status = c.ERROR_BAD_STATE
    name = "ERROR_BAD_STATE"


class BufferTooSmallError(PsaError):
    status = c.ERROR_BUFFER_TOO_SMALL
    name = "ERROR_BUFFER_TOO_SMALL"


class AlreadyExistsError(PsaError):
    status = c.ERROR_ALREADY_EXISTS
    name = "ERROR_ALREADY_EXISTS"


class DoesNotExistError(PsaError):
    status = c.ERROR_DOES_NOT_EXIST
    name = "ERROR_DOES_NOT_EXIST"


class InsufficientMemoryError(PsaError):
    status = c.ERROR_INSUFFICIENT_MEMORY
    name = "ERROR_INSUFFICIENT_MEMORY"


class InsufficientStorageError(PsaError):
    status = c.ERROR_INSUFFICIENT_STORAGE
    name = "ERROR_INSUFFICIENT_STORAGE"


class InsufficientDataError(PsaError):
    status = c.ERROR_INSUFFICIENT_DATA
    name = "ERROR_INSUFFICIENT_DATA"


class CommunicationFailureError(PsaError):
    status = c.ERROR_COMMUNICATION_FAILURE
    name = "ERROR_COMMUNICATION_FAILURE"


class StorageFailureError(PsaError):
    status = c.ERROR_STORAGE_FAILURE
    name = "ERROR_STORAGE_FAILURE"


class HardwareFailureError(PsaError):
    status = c.ERROR_HARDWARE_FAILURE
    name = "ERROR_HARDWARE_FAILURE"


class InsufficientEntropyError(PsaError):
    status = c.ERROR_INSUFFICIENT_ENTROPY
    name = "ERROR_INSUFFICIENT_ENTROPY"


class InvalidSignatureError(PsaError):
    status = c.ERROR_INVALID_SIGNATURE
    name = "ERROR_INVALID_SIGNATURE"


class InvalidPaddingError(PsaError):
    status = c.ERROR_INVALID_PADDING
    name = "ERROR_INVALID_PADDING"


class CorruptionDetectedError(PsaError):
    status = c.ERROR_CORRUPTION_DETECTED
    name = "ERROR_CORRUPTION_DETECTED"


class DataCorruptError(PsaError):
    status = c.ERROR_DATA_CORRUPT
    name = "ERROR_DATA_CORRUPT"


class DataInvalidError(PsaError):
    status = c.ERROR_DATA_INVALID
    name = "ERROR_DATA_INVALID"


ERROR_CLASSES: dict[int, type[PsaError]] = {
    cls.status: cls
    for cls in (
        GenericError,
        NotPermittedError,
        NotSupportedError,
        InvalidArgumentError,
        InvalidHandleError,
        BadStateError,
        BufferTooSmallError,
        AlreadyExistsError,
        DoesNotExistError,
        InsufficientMemoryError,
        InsufficientStorageError,
        InsufficientDataError,
        CommunicationFailureError,
        StorageFailureError,
        HardwareFailureError,
        InsufficientEntropyError,
        InvalidSignatureError,
        InvalidPaddingError,
        CorruptionDetectedError,
        DataCorruptError,
        DataInvalidError,
    )
}


def error_from_status(status: int, message: str | None = None) -> PsaError:
    """The exception for a status received from elsewhere (e.g. over the wire).

    An unknown negative status becomes a :class:`GenericError` carrying the raw
    value in its message rather than being dropped.
    """
    cls = ERROR_CLASSES.get(status)
    if cls is None:
        return GenericError(message or f"unknown PSA status {status}")
    return cls(message)
