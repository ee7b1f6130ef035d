"""Analyses shared by rules: scopes and bindings, import aliases, string building, call arguments.

They live here once so that every rule resolves names and values the same way.
"""
