"""Rule: parse-error (reported by the engine itself for files it could not check)."""

from __future__ import annotations

from bek_gate.rules import Invalid, Rule, Valid


class ParseError(Rule):
    """A file could not be decoded or parsed, so no rule checked it.

    ## What it finds
    Python files with a syntax error, NUL bytes, an encoding other than the one
    they declare (UTF-8 by default), or content the parser cannot handle. The
    engine reports these itself; this module documents them.

    ## Why it matters
    A gate that silently skips a file lets every problem in it through. An
    unparsable file is also a build that will fail at import time.

    ## Example
    ```python
    def handler(request:
        return request
    ```

    ## Use instead
    ```python
    def handler(request):
        return request
    ```

    ## References
    - [Python reference: source code encoding (PEP 263)](https://peps.python.org/pep-0263/)
    """

    id = "parse-error"
    title = "File could not be parsed"
    severity = "high"
    confidence = "high"
    fix = "Fix the syntax or encoding error (run `python -m py_compile FILE`), or exclude the file."
    tags = ("correctness",)
    # A test module that does not parse hides its tests as surely as any other file.
    applies_to_tests = True
    valid = [Valid("x = 1\n"), Valid("# -*- coding: latin-1 -*-\nname = 'caf\\xe9'\n")]
    invalid = [
        Invalid("def f(:\n    pass\n", line=1),
        Invalid("x = 1\nprint 'python 2'\n", line=2),
    ]
