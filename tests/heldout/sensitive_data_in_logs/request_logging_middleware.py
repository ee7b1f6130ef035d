"""Django middleware and helpers that log requests for debugging and audit."""

from __future__ import annotations

import json
import logging
import time

import structlog
from django.conf import settings
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger("http")
slog = structlog.get_logger("audit")

SESSION_COOKIE = settings.SESSION_COOKIE_NAME
REDACTED = "[redacted]"
SENSITIVE_KEYS = {"password", "token", "secret", "api_key", "authorization", "cookie"}


def scrub(data: dict) -> dict:
    return {k: (REDACTED if k.lower() in SENSITIVE_KEYS else v) for k, v in data.items()}


class RequestLogMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.monotonic()
        response = self.get_response(request)
        elapsed_ms = (time.monotonic() - started) * 1000
        logger.info("%s %s -> %s in %.1fms", request.method, request.path, response.status_code, elapsed_ms)
        if settings.DEBUG_REQUEST_BODIES and request.content_type == "application/json":
            body = json.loads(request.body or b"{}")
            logger.debug("body %s", scrub(body))
            logger.debug("raw body %s", request.body)  # ambiguous: a JSON body may hold anything (login forms hold passwords) -> not expected
        if "HTTP_AUTHORIZATION" not in request.META:
            logger.info("Authorization header missing on %s", request.path)
        else:
            logger.debug("authorization=%s", request.META["HTTP_AUTHORIZATION"])  # expect: sensitive-data-in-logs
        logger.debug("session cookie name is %s", SESSION_COOKIE)
        logger.debug("session %s", request.COOKIES.get(SESSION_COOKIE))  # expect: sensitive-data-in-logs
        logger.debug("consent cookie %s", request.COOKIES.get("cookie_consent"))  # ambiguous: a UI-preference cookie -> not expected
        if response.status_code == 403:
            logger.debug("csrf token mismatch for %s", request.path)
        return response


def log_login(request: HttpRequest, username: str, password: str, ok: bool) -> None:
    payload = {"username": username, "password": password, "ip": request.META.get("REMOTE_ADDR")}
    logger.info("login attempt %s", json.dumps(payload))  # expect: sensitive-data-in-logs
    logger.info("login attempt %s", json.dumps(scrub(payload)))
    logger.info("login ok=%s", ok, extra={"password": password})  # expect: sensitive-data-in-logs
    logger.info("login ok=%s", ok, extra={"username": username, "ip": request.META.get("REMOTE_ADDR")})
    logger.log(logging.DEBUG, "credentials %s/%s", username, password)  # expect: sensitive-data-in-logs
    logger.info("user=%(user)s password=%(password)s", {"user": username, "password": password})  # expect: sensitive-data-in-logs
    slog.info("login", user=username, password="***")
    slog.msg("login", user=username, secret=settings.SECRET_KEY)  # expect: sensitive-data-in-logs


def log_outbound(service: str, headers: dict[str, str]) -> None:
    token = headers.get("Authorization", "").removeprefix("Bearer ")
    slog.debug("outbound call", service=service, bearer=token)  # expect: sensitive-data-in-logs
    slog.debug("outbound call", service=service, header_names=sorted(headers))
    slog.debug("outbound call", service=service, headers=scrub(headers))
    logger.debug("outbound %s auth=%s", service, headers)  # expect: sensitive-data-in-logs  # ambiguous: the header dict was built to carry Authorization


def log_stripe_setup() -> None:
    import stripe

    logger.info("stripe configured, key %s", stripe.api_key)  # expect: sensitive-data-in-logs
    logger.info("stripe configured, version %s", stripe.api_version)
    logger.warning("DB_PASSWORD not set, falling back to peer auth")
    logger.info("env: %s", {k: v for k, v in settings.ENV.items() if not k.endswith(("_KEY", "_TOKEN", "_PASSWORD", "_SECRET"))})
