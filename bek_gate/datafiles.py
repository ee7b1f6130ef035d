"""Reading the YAML files bek trusts nothing in: safe loading only, errors as one line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bek_gate.errors import ConfigError

# The C loader when PyYAML was built with libyaml (about 10x faster); both are safe loaders:
# no tags that construct Python objects (``!!python/object``) are accepted.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# An alias (*name) repeats an earlier node without copying it: nine levels of nine aliases load
# in microseconds but stand for 387 million values ("billion laughs"), and anything that walks
# them (schema validation, an error message quoting the value) would run until memory ran out.
MAX_VALUES = 100_000


def load_yaml(path: Path) -> Any:
    """Parse ``path`` with the safe loader; a ConfigError names the file and line on failure."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot be read: {error}") from None
    try:
        data = yaml.load(text, Loader=_SAFE_LOADER)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ConfigError(f"{path}: invalid YAML{where}: {problem}") from None
    except ValueError as error:  # a well-formed but impossible value, such as the date 2026-02-30
        raise ConfigError(f"{path}: invalid value in YAML: {error}") from None
    except RecursionError:  # the pure-Python loader has no nesting limit of its own
        raise ConfigError(f"{path}: invalid YAML: nested too deeply") from None
    try:
        too_big = _expanded_size(data, {}) > MAX_VALUES
    except RecursionError:
        raise ConfigError(f"{path}: invalid YAML: nested too deeply") from None
    if too_big:
        raise ConfigError(
            f"{path}: its aliases (*name) expand to more than {MAX_VALUES:,} values "
            "(or refer to themselves); write the data out"
        )
    return data


def _expanded_size(value: Any, sizes: dict[int, int]) -> int:
    """How many values ``value`` holds once every alias is written out (shared nodes count each time)."""
    if not isinstance(value, (list, dict)):
        return 1
    known = sizes.get(id(value))
    if known is None:
        sizes[id(value)] = MAX_VALUES + 1  # until it is known: a node that contains itself is endless
        children = value if isinstance(value, list) else [*value.keys(), *value.values()]
        # Saturates at the limit, so the sums stay small however far the aliases expand.
        known = min(1 + sum(_expanded_size(child, sizes) for child in children), MAX_VALUES + 1)
        sizes[id(value)] = known
    return known
