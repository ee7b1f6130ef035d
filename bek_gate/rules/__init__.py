"""The rule API for built-in and team rules: import what a rule needs from here."""

from bek_gate.rules.base import Fact, Invalid, ProjectReport, ProjectRule, Rule, Valid

__all__ = ["Fact", "Invalid", "ProjectReport", "ProjectRule", "Rule", "Valid"]
