"""A rule's documentation, read from its docstring.

``bek show <rule>``, the SARIF rule help and the generated docs all come from
here, so a rule is documented once.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass

REQUIRED_SECTIONS = ("What it finds", "Why it matters", "Example", "Use instead", "References")

_HEADING = re.compile(r"^##\s+(.+?)\s*$", re.MULTILINE)
_CODE_BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


@dataclass(frozen=True)
class RuleDoc:
    """The docstring split into its summary line and its ``## `` sections."""

    summary: str
    sections: dict[str, str]

    def section(self, name: str) -> str:
        return self.sections.get(name, "")

    def code_blocks(self, name: str) -> list[str]:
        """The ```python blocks of one section (Example, Use instead)."""
        return [block for block in _CODE_BLOCK.findall(self.section(name))]

    def missing_sections(self) -> list[str]:
        return [name for name in REQUIRED_SECTIONS if not self.section(name).strip()]

    def markdown(self) -> str:
        parts = [self.summary, ""]
        for name, text in self.sections.items():
            parts += [f"## {name}", "", text, ""]
        return "\n".join(parts).strip() + "\n"


def parse_doc(docstring: str | None) -> RuleDoc:
    """Split a rule docstring into the summary and the named sections."""
    text = inspect.cleandoc(docstring or "")
    headings = list(_HEADING.finditer(text))
    summary_end = headings[0].start() if headings else len(text)
    summary = " ".join(text[:summary_end].split())
    sections: dict[str, str] = {}
    for index, heading in enumerate(headings):
        end = headings[index + 1].start() if index + 1 < len(headings) else len(text)
        sections[heading.group(1)] = text[heading.end() : end].strip()
    return RuleDoc(summary=summary, sections=sections)
