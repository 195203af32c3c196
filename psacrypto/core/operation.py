"""The multi-part operation state machine shared by every operation class.

An operation is *inactive* when new or after finish/abort, *active* after a
successful setup, and in *error* after any failure while active or any call in
the wrong state. In the error state every call but ``abort`` fails with
``BadStateError``. A failed setup leaves the object inactive.
"""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Self

from ..errors import BadStateError

if TYPE_CHECKING:
    from .session import Session

INACTIVE = 0
ACTIVE = 1
ERROR = 2


class Operation:
    """Base of the operation classes; a context manager that aborts on exit."""

    __slots__ = ("_session", "_state")

    def __init__(self, session: Session) -> None:
        self._session = session
        self._state = INACTIVE

    @property
    def active(self) -> bool:
        return self._state == ACTIVE

    def _bad_state(self, why: str = "the operation is not in the right state") -> BadStateError:
        """Enter the error state and return the error to raise."""
        self._state = ERROR
        self._release()
        return BadStateError(why)

    def _start(self) -> None:
        """Check the object can be set up (inactive)."""
        if self._state != INACTIVE:
            raise self._bad_state("setup needs an inactive operation")

    def _error(self) -> None:
        """Record a failure of an active operation."""
        self._state = ERROR
        self._release()

    def _release(self) -> None:
        """Free the operation's resources (overridden by each family)."""

    def _done(self) -> None:
        self._state = INACTIVE
        self._release()

    def abort(self) -> None:
        """Return to the inactive state, releasing everything; always succeeds."""
        self._state = INACTIVE
        self._release()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.abort()
