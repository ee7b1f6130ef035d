"""Decode a file's bytes and parse it with libcst, turning every failure into a reason.

A file that cannot be decoded or parsed is not checked; the caller reports it
as a ``parse-error`` finding so that nothing is lost silently.
"""

from __future__ import annotations

import ast
import codecs
import io
import tokenize
import warnings
from dataclasses import dataclass

import libcst as cst

from bek_gate.errors import FileTimeout


@dataclass(frozen=True)
class ParseFailure:
    """Why a file was not checked, and where (1-based line/column) when known."""

    message: str
    line: int = 1
    column: int = 1


def decode(data: bytes) -> str | ParseFailure:
    """Decode Python source bytes as Python itself would (PEP 263 cookie, UTF-8 BOM)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return ParseFailure(
            "file is UTF-16/UTF-32 encoded; Python source must be UTF-8 or declare an 8-bit encoding"
        )
    if b"\x00" in data:
        line = data.count(b"\n", 0, data.index(b"\x00")) + 1
        return ParseFailure("file contains NUL bytes (binary or corrupted), so it is not Python source", line)
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        # detect_encoding also rejects undecodable bytes in the first two lines.
        encoding = "utf-8"
        if "unknown encoding" in str(error) or "encoding problem" in str(error):
            return ParseFailure(f"invalid encoding declaration: {error}")
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as error:
        start = getattr(error, "start", 0)
        line = data.count(b"\n", 0, start) + 1
        name = "UTF-8" if encoding in ("utf-8", "utf-8-sig") else encoding
        return ParseFailure(
            f"file is not valid {name} text (byte {start}) and declares no other encoding", line
        )


def parse(text: str) -> cst.Module | ParseFailure:
    """Parse with libcst, after ``syntax_check`` accepted ``text``; failures become a ParseFailure.

    Python has accepted the code by then, so a syntax error here is a limit of
    libcst's parser (it rejects some 5,000 implicitly concatenated strings), and
    the message must not send the user looking for a mistake that is not there.
    """
    try:
        return cst.parse_module(text)
    except cst.ParserSyntaxError as error:
        message = str(error.message).removeprefix("parser error: ")
        return ParseFailure(
            f"libcst's parser rejects this file, which Python accepts ({message})",
            error.raw_line,
            error.raw_column + 1,
        )
    except RecursionError:
        return ParseFailure("the file is nested too deeply for the parser")
    except (KeyboardInterrupt, SystemExit, FileTimeout):
        raise
    except BaseException as error:  # the native parser can panic (pyo3 PanicException) on hostile input
        return ParseFailure(f"the parser failed: {type(error).__name__}: {error}")


# CPython's own limits on nesting: the input that can also overflow libcst's native
# parser, so libcst is not asked about it.
_NESTING_LIMITS = ("too many nested parentheses", "too many statically nested blocks")


def syntax_check(text: str) -> ParseFailure | cst.Module | None:
    """Whether the file is valid Python: CPython's parser first (cheap), libcst's where CPython says no.

    None means CPython accepts the file. CPython only knows its own grammar:
    code of a newer Python (PEP 695 generics, PEP 701 f-strings, PEP 758
    ``except A, B:``) is a syntax error to it, and valid when libcst, which
    parses the newer grammar, accepts it: the module libcst made is returned,
    so that it is not parsed twice. A file neither accepts gets CPython's
    message, the more precise one.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarning for odd escapes is not our business
            ast.parse(text)
    except SyntaxError as error:
        failure = ParseFailure(f"syntax error: {error.msg}", error.lineno or 1, error.offset or 1)
        if any(limit in str(error.msg) for limit in _NESTING_LIMITS):
            return failure
        module = parse(text)
        return module if isinstance(module, cst.Module) else failure
    except (RecursionError, MemoryError):
        return ParseFailure("expressions nested too deeply for Python's parser")
    except ValueError as error:
        return ParseFailure(f"the file could not be parsed: {error}")
    return None
