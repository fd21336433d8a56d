"""What a running build (or a voice download) tells whoever runs it; only the CLI prints."""

from __future__ import annotations

import logging
from typing import Protocol

log = logging.getLogger(__name__)


class Events(Protocol):
    def notice(self, text: str) -> None:
        """Something the user should know that is not an error (which voice, how a file was read)."""

    def started(self, stage: str, total: int) -> None:
        """A stage ("Synthesising", "Encoding", "Downloading …") begins with `total` steps (or bytes)."""

    def advanced(self, amount: int = 1) -> None:
        """`amount` steps of the current stage are done; called from worker threads too."""


class NoEvents:
    """Events for library use: notices go to the log, progress nowhere."""

    def notice(self, text: str) -> None:
        log.info("%s", text)

    def started(self, stage: str, total: int) -> None:
        pass

    def advanced(self, amount: int = 1) -> None:
        pass
