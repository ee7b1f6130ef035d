"""The rule catalog of SPEC 6.3: every rule id bek promises, implemented or not.

A checklist item may name a catalog rule that is not implemented yet; it is
then reported as "not automated yet" (never as passed). A rule id that is
neither loaded nor in this catalog is an error.
"""

from __future__ import annotations

CATALOG_RULE_IDS: tuple[str, ...] = (
    "sql-injection",
    "shell-injection",
    "hardcoded-secret",
    "jwt-verification-disabled",
    "weak-password-hash",
    "insecure-randomness",
    "tls-verification-disabled",
    "unsafe-deserialization",
    "debug-mode-enabled",
    "permissive-cors",
    "csrf-protection-disabled",
    "template-injection",
    "xml-external-entities",
    "sensitive-data-in-logs",
    "error-details-exposed",
    "mass-assignment",
    "auth-endpoint-without-rate-limit",
    "missing-timeout",
    "retry-without-backoff",
    "swallowed-exception",
    "blocking-call-in-async",
    "missing-health-check",
    "db-connection-per-request",
    "query-in-loop",
    "select-star",
    "unsafe-migration",
    "missing-fk-index",
    "unpaginated-list-endpoint",
    "nonstandard-error-response",
    "unvalidated-request-body",
    "unversioned-api-route",
    "print-statement",
    "unstructured-logging",
    "exception-without-traceback",
    "missing-correlation-id",
    "tenant-context-global",
    "unscoped-tenant-query",
    "tenant-id-from-request",
    "allowed-hosts-wildcard",
    "insecure-cookie",
    "parse-error",
)
