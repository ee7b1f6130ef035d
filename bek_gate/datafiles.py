"""Reading the YAML files bek trusts nothing in: safe loading only, errors as one line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bek_gate.errors import ConfigError

# The C loader when PyYAML was built with libyaml (about 10x faster); both are safe loaders:
# no tags that construct Python objects (``!!python/object``) are accepted.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(path: Path) -> Any:
    """Parse ``path`` with the safe loader; a ConfigError names the file and line on failure."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot be read: {error}") from None
    try:
        return yaml.load(text, Loader=_SAFE_LOADER)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ConfigError(f"{path}: invalid YAML{where}: {problem}") from None
    except ValueError as error:  # a well-formed but impossible value, such as the date 2026-02-30
        raise ConfigError(f"{path}: invalid value in YAML: {error}") from None
