"""Exceptions of the voting engine: every one is a ValueError with a message a person can read."""

from __future__ import annotations


class ElectionError(ValueError):
    """An instance, profile or election built from Python objects is inconsistent (bad cost...)."""


class PabulibError(ElectionError):
    """A Pabulib `.pb` file cannot be read; `.line` is the 1-based line of the problem (None if global)."""

    def __init__(self, message: str, line: int | None = None):
        self.line = line
        self.problem = message
        super().__init__(f"line {line}: {message}" if line is not None else message)


class RuleError(ValueError):
    """A rule, completion or option was asked for that does not exist or does not fit the profile."""


class BallotError(ValueError):
    """A ballot breaks the rules of the vote; `.code` and `.params` let the portal translate the message."""

    def __init__(self, code: str, message: str, **params):
        self.code = code
        self.params = params
        super().__init__(message)
