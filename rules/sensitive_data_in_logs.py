"""Rule: sensitive-data-in-logs (secrets written to the logs)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import libcst as cst

from bek_gate.analysis.logging_calls import (
    BINDING_METHODS,
    LEVEL_METHODS,
    LoggingCall,
    bound_fields,
    interpolations,
    logging_call,
)
from bek_gate.analysis.secrets import (
    SecretValue,
    keyed_secret,
    labelled_secret,
    secret_label,
    secret_names,
    secret_value,
    shown,
)
from bek_gate.rules import Invalid, Rule, Valid

if TYPE_CHECKING:
    from bek_gate.engine.context import FileContext

_NUMERIC_CONVERSIONS = frozenset("diouxXeEfFgGnb%")


class SensitiveDataInLogs(Rule):
    """A password, token, API key, cookie or card number is written to the logs.

    ## What it finds
    Logging calls (`logging.*`, `logging.getLogger()` loggers, structlog, loguru,
    `app.logger`, objects named `logger`/`log`) whose message, %-arguments,
    `extra=` mapping or key-value fields carry a secret-like value: a name,
    attribute, dict key or header such as `password`, `access_token`,
    `client_secret`, `api_key`, `Authorization`, `Cookie`, `card_number`; whole
    request headers; the value held by a secret object (`api_key.key`,
    `token.value`); a cookie read by a computed name; or any value shown after a
    label like `"password=%s"`, `"auth=%s"` or `f"Bearer {key}"`. Values assigned
    earlier in the function are followed (`x = creds.password`).
    Masked values (`mask(x)`, a hash, `len(x)`, `x[:4]`, `"***"`, a pydantic
    `SecretStr` field of a parameter's declared model), names that describe a
    secret without holding it (`token_type`, `token_days_left`,
    `password_reset_url`, `max_tokens`), constants that name a cookie or
    header (`SESSION_COOKIE`) and identifiers are not reported: `*_id`
    attributes, `uuid.uuid4()` values, and fields a model of the module
    declares as UUID, integer or slug (`token = models.UUIDField()`,
    `Column(Integer)`, `Mapped[uuid.UUID]`), whatever their name.

    ## Why it matters
    Logs are copied to aggregators, tickets and laptops, kept for months and read
    by far more people than the credential store. A secret that reaches them is a
    leaked secret (CWE-532) that must be rotated, and card numbers in logs put the
    whole log pipeline in PCI DSS scope.

    ## Example
    ```python
    import logging

    logger = logging.getLogger(__name__)

    def login(username, password):
        logger.info("login attempt user=%s password=%s", username, password)
    ```

    ## Use instead
    ```python
    import logging

    logger = logging.getLogger(__name__)

    def login(username, password):
        logger.info("login attempt user=%s", username)
    ```

    ## References
    - [CWE-532: Insertion of Sensitive Information into Log File](https://cwe.mitre.org/data/definitions/532.html)
    - [OWASP Logging Cheat Sheet: data to exclude](https://cheatsheetseries.owasp.org/cheatsheets/Logging_Cheat_Sheet.html#data-to-exclude)
    """

    id = "sensitive-data-in-logs"
    title = "Secret-like value written to the logs"
    severity = "high"
    confidence = "high"
    cwe = 532
    pattern = "sec-sensitive-data-logging"
    fix = "Drop the value from the log call, or log a masked form (`mask(x)`, a hash, the last 4 characters)."
    tags = ("security", "logging")
    prefilter = ("log", "LOG", "Log")
    options = {"extra-names": {"type": "array", "items": {"type": "string"}, "default": []}}
    valid = [
        Valid('def f(user):\n    log.info("login", extra={"user": user.id})\n'),
        Valid('def f(user):\n    logger.info("token refreshed for %s", user.email)\n'),
        Valid('import logging\ndef f(email):\n    logging.info("Password reset requested for %s", email)\n'),
        Valid('def f(token_expiry):\n    log.debug("token expires at %s", token_expiry)\n'),
        Valid('def f(password):\n    log.debug("password length %d", len(password))\n'),
        Valid('def f(card_number):\n    logger.info("%s", mask(card_number))\n'),
        Valid('def f(token):\n    log.info(f"token {token[:4]}...")\n'),
        Valid(
            'def f(t):\n    try:\n        check(t)\n    except ValueError as e:\n        log.warning("bad token: %s", e)\n'
        ),
        Valid('def f(user):\n    log.info("login", user_id=user.id, token_type="bearer", password="***")\n'),
        Valid(
            'def f(request, password):\n    messages.info(request, "Password changed")\n    print(password)\n'
        ),
        Valid('SESSION_COOKIE = settings.SESSION_COOKIE_NAME\nlog.debug("reading %s", SESSION_COOKIE)\n'),
        Valid(
            """
            import logging
            import uuid
            from django.db import models

            logger = logging.getLogger(__name__)

            class GiftCardTransaction(models.Model):
                token = models.UUIDField(default=uuid.uuid4, unique=True)
                amount = models.DecimalField(max_digits=10, decimal_places=2)

            def release(transaction):
                logger.info("Releasing funds for %s", transaction.token)
            """
        ),
        Valid(
            """
            import logging
            from sqlalchemy import Column, Integer, String

            log = logging.getLogger(__name__)

            class Upload(Base):
                __tablename__ = "uploads"
                token = Column(Integer, primary_key=True)
                name = Column(String)

            def done(upload):
                log.info("upload %s done", upload.token)
            """
        ),
        Valid(
            """
            import logging
            import uuid

            def start():
                token = uuid.uuid4().hex
                logging.info("job token=%s", token)
            """
        ),
        Valid(
            """
            import logging

            def revoke(credential):
                logging.warning("revoking %s", credential.token_id)
                logging.warning("revoking api key %s", credential.api_key_id)
            """
        ),
    ]
    invalid = [
        Invalid('def f(username, password):\n    logger.info("login %s %s", username, password)\n', line=2),
        Invalid('def f(token):\n    log.debug(f"token={token}")\n', line=2),
        Invalid('def f(request):\n    logger.info("headers: %s", request.headers)\n', line=2),
        Invalid(
            'import logging\nlogging.warning("auth failed: %s", request.headers.get("Authorization"))\n',
            line=2,
        ),
        Invalid('import structlog\nlog = structlog.get_logger()\nlog.info("login", password=pw)\n', line=3),
        Invalid('def f(pw):\n    logger.info("login", extra={"password": pw})\n', line=2),
        Invalid('def f(user):\n    logger.info("user %s", user.password)\n', line=2),
        Invalid('def f(value):\n    logger.debug("password=%s", value)\n', line=2),
        Invalid('def f(creds):\n    x = creds.password\n    log.info("%s", x)\n', line=3),
        Invalid(
            'def f(request):\n    secret = request.json["api_key"]\n    log.info("%s", secret)\n', line=3
        ),
        Invalid(
            'def f(user):\n    api_key = ApiKey.create(user)\n    log.info("created %s", api_key.key)\n',
            line=3,
        ),
        Invalid(
            """
            import logging
            from django.db import models

            class ApiToken(models.Model):
                token = models.CharField(max_length=64)

            def issue(api_token):
                logging.info("issued %s", api_token.token)
            """,
            line=8,
        ),
    ]

    def __init__(self, context: FileContext, options: dict[str, Any]) -> None:
        super().__init__(context, options)
        self.names = secret_names(tuple(options.get("extra-names") or ()))

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        method = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", "")
        if method in LEVEL_METHODS and (log := logging_call(self.context, node)) is not None:
            call, found = log.name, self._logged_secret(log)
        elif method in BINDING_METHODS and (bound := bound_fields(self.context, node)) is not None:
            call, found = bound.name, self._field_secret(bound.fields)
        else:
            return
        if found is not None:
            secret, label = found
            how = f" (from `{secret.source}`)" if secret.source else f" as '{label}'" if label else ""
            message = f"`{call}()` logs `{secret.shown}`{how}; log a masked value or drop it"
            self.report(node, message, confidence="medium" if label else None)

    def _logged_secret(self, log: LoggingCall) -> tuple[SecretValue, str] | None:
        """The first secret the call logs, and the message label that gave it away ("" if none)."""
        context, names = self.context, self.names
        for part in interpolations(context, log):
            if part.conversion in _NUMERIC_CONVERSIONS:
                continue  # ``"~%d tokens"``, ``{rate:.2f}``: a number, which no secret is
            found = secret_value(context, part.value, names)
            if found is not None:
                return found, ""
            label = secret_label(part.label, names) if part.label else None
            if label and labelled_secret(context, part.value, names):
                return SecretValue(shown(context, part.value)), label
        found = self._field_secret(log.fields)
        if found is None and log.extra is not None:
            extra = secret_value(context, log.extra, names)
            found = (extra, "") if extra is not None else None
        return found

    def _field_secret(self, fields: tuple[cst.Arg, ...]) -> tuple[SecretValue, str] | None:
        """A key-value field (``password=pw``, ``**context``) that carries a secret."""
        names = self.names
        for field in fields:
            keyword = field.keyword.value if field.keyword is not None else ""
            if keyword and names.is_secret(keyword) and keyed_secret(self.context, field.value, names):
                return SecretValue(shown(self.context, field)), ""
            found = secret_value(self.context, field.value, names)
            if found is not None:
                return found, ""
        return None
