"""Errors that reach the user as a one-line message instead of a traceback."""

from __future__ import annotations


class BekError(Exception):
    """A problem with the user's input: bad config, unknown id, missing file.

    The CLI prints ``bek: error: <message>`` and exits with ``exit_code``.
    Messages name the file, key or id and what was expected.
    """

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigError(BekError):
    """The configuration (pyproject.toml, bek.toml, a checklist or rule module) is invalid."""


class FileTimeout(BaseException):
    """Raised (by SIGALRM) when one file's analysis exceeds its time budget.

    A BaseException so that the isolation that turns a rule's exception into
    an internal-error notice does not swallow it.
    """


def closest(word: str, choices: list[str] | tuple[str, ...], count: int = 3) -> list[str]:
    """The choices most similar to ``word``, for "did you mean" hints."""
    import difflib

    return difflib.get_close_matches(word, list(choices), n=count, cutoff=0.5)


def did_you_mean(word: str, choices: list[str] | tuple[str, ...]) -> str:
    """A " (did you mean 'x'?)" suffix, or an empty string when nothing is close."""
    matches = closest(word, choices, count=1)
    return f" (did you mean '{matches[0]}'?)" if matches else ""
