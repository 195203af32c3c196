"""Random number generation."""

from __future__ import annotations

import os

from ..errors import InsufficientMemoryError, InvalidArgumentError
from .session import Session

#: Largest single request; larger ones are refused rather than exhausting memory.
MAX_RANDOM_REQUEST = 64 * 1024 * 1024


class RandomFunctions(Session):
    def generate_random(self, output_size: int) -> bytes:
        """``psa_generate_random``: ``output_size`` bytes from the OS CSPRNG."""
        if output_size < 0:
            raise InvalidArgumentError("output_size must not be negative")
        if output_size > MAX_RANDOM_REQUEST:
            raise InsufficientMemoryError("random request too large")
        return os.urandom(output_size)
