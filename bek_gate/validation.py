"""JSON Schema validation with one clear line per problem: where, and what was expected."""

from __future__ import annotations

from typing import Any

import jsonschema

from bek_gate.errors import did_you_mean

_TYPE_NAMES = {
    "string": "a string",
    "array": "a list",
    "object": "a table",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
}


def _type_of(value: Any) -> str:
    names = {str: "string", list: "list", dict: "table", bool: "boolean", int: "integer", float: "number"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


def location(path: list[Any], prefix: str = "") -> str:
    """``items[3].severity`` style path, after an optional prefix such as ``[tool.bek]``."""
    keys = ""
    for part in path:
        if isinstance(part, int):
            keys += f"[{part}]"
        else:
            keys += f".{part}" if keys else str(part)
    if prefix and keys:
        return f"{prefix} {keys}"
    return prefix or keys or "(top level)"


def describe(error: jsonschema.ValidationError, prefix: str = "") -> str:
    """One line naming the key and what was expected."""
    path = list(error.absolute_path)
    where = location(path, prefix)
    validator = error.validator
    if validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - set(allowed)) if isinstance(error.instance, dict) else []
        key = extra[0] if extra else "?"
        return f"{location([*path, key], prefix)}: unknown key{did_you_mean(key, allowed)}; allowed keys: {', '.join(allowed)}"
    if validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return f"{where}: missing required key '{missing}'"
    if validator == "type":
        expected = error.validator_value
        names = [expected] if isinstance(expected, str) else list(expected)
        wanted = " or ".join(_TYPE_NAMES.get(name, name) for name in names)
        return f"{where}: expected {wanted}, got {_type_of(error.instance)} {error.instance!r}"
    if validator == "enum":
        options = ", ".join(str(option) for option in error.validator_value)
        return f"{where}: expected one of {options}, got {error.instance!r}"
    if validator == "pattern":
        return f"{where}: {error.instance!r} does not match the expected form {error.validator_value}"
    if validator in ("minItems", "minLength"):
        return f"{where}: must not be empty"
    return f"{where}: {error.message}"


def all_errors(instance: Any, schema: dict[str, Any], prefix: str = "") -> list[str]:
    """Every validation problem, described, in document order: fixing them takes one round, not one per run."""
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(
        validator.iter_errors(instance), key=lambda e: (list(map(str, e.absolute_path)), e.validator)
    )
    described: list[str] = []
    for error in errors:
        # A list of required keys is one error per missing key in jsonschema; keep each once.
        for line in (
            _required_lines(error, prefix) if error.validator == "required" else [describe(error, prefix)]
        ):
            if line not in described:
                described.append(line)
    return described


def _required_lines(error: jsonschema.ValidationError, prefix: str) -> list[str]:
    where = location(list(error.absolute_path), prefix)
    present = error.instance if isinstance(error.instance, dict) else {}
    return [f"{where}: missing required key '{key}'" for key in error.validator_value if key not in present]


def first_error(instance: Any, schema: dict[str, Any], prefix: str = "") -> str | None:
    """The most relevant validation problem, described, or None when valid."""
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(
        validator.iter_errors(instance), key=lambda e: (list(map(str, e.absolute_path)), e.validator)
    )
    if not errors:
        return None
    best = jsonschema.exceptions.best_match(errors)
    return describe(best, prefix)
