"""``# bek: ignore[...]`` comments: found with the tokenizer, so a ``#`` in a string is not one.

- ``# bek: ignore[rule-a, rule-b]`` on the reported line, on any line of the
  reported statement, or alone on the line(s) directly above it;
- ``# bek: ignore`` without ids suppresses every rule there;
- ``# bek: ignore-file[rule-a]`` in the module header (before the first
  statement other than the docstring) suppresses the rule in the whole file.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field

MARKER = "bek:"
_DIRECTIVE = re.compile(r"#\s*bek:\s*(ignore-file|ignore)\b(?:\[([^\]]*)\])?")
_SKIPPED_TOKENS = frozenset(
    {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.ENCODING, tokenize.INDENT, tokenize.DEDENT}
)


@dataclass
class Suppression:
    """One directive. ``rule_ids`` is None for a bare ``ignore`` (every rule)."""

    line: int
    rule_ids: frozenset[str] | None
    file_level: bool
    standalone: bool  # the comment is alone on its line
    text: str
    used: bool = field(default=False, compare=False)

    def covers(self, rule_id: str) -> bool:
        return self.rule_ids is None or rule_id in self.rule_ids


@dataclass
class FileSuppressions:
    """The directives of one file, with which lines hold nothing but comments."""

    directives: list[Suppression]
    comment_only_lines: set[int]
    misplaced_file_directives: list[Suppression]

    def match(self, rule_id: str, first_line: int, last_line: int) -> Suppression | None:
        """The directive that suppresses ``rule_id`` for a statement spanning these lines."""
        for directive in self.directives:
            if directive.file_level and directive.covers(rule_id):
                return directive
        lines = set(range(first_line, last_line + 1))
        above = first_line - 1
        while above in self.comment_only_lines:
            lines.add(above)
            above -= 1
        for directive in self.directives:
            if not directive.file_level and directive.line in lines and directive.covers(rule_id):
                return directive
        return None


def find_suppressions(text: str) -> FileSuppressions:
    """Every ``bek:`` directive of a file (cheap: only call when ``"bek:"`` is in the text)."""
    directives: list[Suppression] = []
    misplaced: list[Suppression] = []
    comment_only: set[int] = set()
    try:
        comments, header_end = _tokenize_comments(text)
    except (tokenize.TokenError, SyntaxError):
        comments, header_end = _scan_comments(text), 0
    for line, comment, standalone in comments:
        if standalone:
            comment_only.add(line)
        match = _DIRECTIVE.search(comment)
        if not match:
            continue
        ids = None
        if match.group(2) is not None:
            ids = frozenset(part.strip() for part in match.group(2).split(",") if part.strip())
        file_level = match.group(1) == "ignore-file"
        directive = Suppression(line, ids, file_level, standalone, match.group(0))
        if file_level and (header_end and line >= header_end):
            misplaced.append(directive)
            continue
        directives.append(directive)
    return FileSuppressions(directives, comment_only, misplaced)


def _tokenize_comments(text: str) -> tuple[list[tuple[int, str, bool]], int]:
    """(line, comment text, alone on its line) for each comment; and where the header ends."""
    comments = []
    header_end = 0
    last_code_line = 0
    docstring_possible = True
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        kind, string, (row, _), (end_row, _), _ = token
        if kind == tokenize.COMMENT:
            comments.append((row, string, last_code_line != row))
            continue
        if kind in _SKIPPED_TOKENS or kind == tokenize.ENDMARKER:
            continue
        last_code_line = end_row
        if header_end:
            continue
        if kind == tokenize.STRING and docstring_possible:
            docstring_possible = False  # the module docstring is part of the header
            continue
        header_end = row
    return comments, header_end


def _scan_comments(text: str) -> list[tuple[int, str, bool]]:
    # Only for files the tokenizer rejects (libcst accepted them, so this is rare):
    # a plain scan of lines that contain the marker.
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        position = line.find("#")
        if position >= 0 and MARKER in line[position:]:
            found.append((number, line[position:], not line[:position].strip()))
    return found
