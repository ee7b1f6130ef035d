"""The snippet every report shows is the reported line, whatever odd line breaks precede it.

(Regression test for a fix in ``bek_gate/engine/analyzer.py``: it numbered lines
with ``str.splitlines()``, which also breaks at form feeds, ``\\x1c``-``\\x1e``,
``\\x85`` and U+2028/U+2029, while the tokenizer and libcst do not.)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reports import factory


@pytest.mark.parametrize("odd", ["\x0c", "\x0b", "\x1c", "\x85", "\u2028"])
def test_snippet_is_the_reported_line(tmp_path: Path, odd: str) -> None:
    source = f"x = 1  # page{odd}break\n\ndef f(cursor, y):\n    cursor.execute(f'{{y}}')\n"
    findings, _ = factory.analyse(tmp_path, {"odd.py": source}, factory.loaded_rules())
    (finding,) = findings
    assert finding.location.line == 4
    assert finding.snippet == "    cursor.execute(f'{y}')"


def test_parse_error_snippet_is_the_reported_line(tmp_path: Path) -> None:
    source = "x = 1  # page\x0cbreak\ny = (\n"
    findings, _ = factory.analyse(tmp_path, {"odd.py": source}, factory.loaded_rules())
    (finding,) = findings
    assert finding.rule_id == "parse-error"
    assert finding.snippet.splitlines()[0] == source.split("\n")[finding.location.line - 1]
