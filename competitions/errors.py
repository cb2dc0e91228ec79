from __future__ import annotations


class CompetitionError(Exception):
    """A refusal to show the user as it is (translated)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
