"""sensitive-data-in-logs on realistic service code, plus the helpers it is built on.

The corpus below is service code as it is written (Flask, FastAPI, Django,
Celery, structlog, loguru). Each positive snippet must be flagged exactly
once; each negative snippet is the nearest safe code and must not be. The
corpus test measures precision and recall over all of them and names every
miss and every false positive when either drops below 0.9.
"""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from bek_gate.analysis.logging_calls import interpolations, is_logger_name, logging_call
from bek_gate.analysis.secrets import METADATA, SECRET, SecretNames, secret_label, split_words
from bek_gate.engine.analyzer import AnalysisPlan, Analyzer
from bek_gate.engine.context import FileContext
from bek_gate.rules.testing import check_code
from tests.conftest import builtin_rules

RULE = "sensitive-data-in-logs"

POSITIVE: dict[str, str] = {
    "flask-login-password-arg": """
        import logging
        from flask import Flask, request

        app = Flask(__name__)
        logger = logging.getLogger(__name__)

        @app.post("/login")
        def login():
            data = request.get_json()
            username = data["username"]
            password = data["password"]
            logger.info("Login attempt for %s with password %s", username, password)
    """,
    "fstring-token": """
        import logging

        log = logging.getLogger("auth")

        def verify(token: str) -> bool:
            log.debug(f"token={token}")
            return token in VALID
    """,
    "request-headers-dump": """
        import logging

        logger = logging.getLogger(__name__)

        def before_request(request):
            logger.info("headers: %s", request.headers)
    """,
    "authorization-header-get": """
        import logging

        def reject(request):
            logging.warning("auth failed: %s", request.headers.get("Authorization"))
            return 401
    """,
    "structlog-password-field": """
        import structlog

        log = structlog.get_logger()

        def authenticate(username, pw):
            log.info("login", username=username, password=pw)
    """,
    "extra-password": """
        import logging

        logger = logging.getLogger(__name__)

        def signup(user, pw):
            logger.info("signup", extra={"user": user.id, "password": pw})
    """,
    "model-password-attribute": """
        import logging

        logger = logging.getLogger(__name__)

        def sync(user):
            logger.info("user %s", user.password)
    """,
    "password-label-arbitrary-variable": """
        import logging

        logger = logging.getLogger(__name__)

        def connect(host, value):
            logger.debug("db connect host=%s password=%s", host, value)
    """,
    "value-from-secret-attribute": """
        import logging

        log = logging.getLogger(__name__)

        def connect(creds):
            x = creds.password
            log.info("connecting with %s", x)
    """,
    "secret-name-from-request-json": """
        import logging
        from flask import request

        log = logging.getLogger(__name__)

        def register_webhook():
            secret = request.json["api_key"]
            log.info("registering webhook with %s", secret)
    """,
    "fastapi-oauth2-token-param": """
        import logging
        from fastapi import Depends
        from fastapi.security import OAuth2PasswordBearer

        logger = logging.getLogger(__name__)
        oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")

        async def get_current_user(token: str = Depends(oauth2_scheme)):
            logger.debug("Decoding token %s", token)
            return decode(token)
    """,
    "outgoing-headers-dict": """
        import logging
        import requests

        logger = logging.getLogger(__name__)

        class BillingClient:
            def get(self, url):
                headers = {"Authorization": f"Bearer {self.api_key}", "Accept": "application/json"}
                logger.debug("GET %s headers=%s", url, headers)
                return requests.get(url, headers=headers, timeout=10)
    """,
    "self-api-key-label": """
        import logging

        class Client:
            def __init__(self, api_key):
                self.logger = logging.getLogger(__name__)
                self.api_key = api_key
                self.logger.info("Configured client with api_key=%s", self.api_key)
    """,
    "django-cookies": """
        import logging

        logger = logging.getLogger("django.request")

        def profile(request):
            logger.debug("Cookies: %s", request.COOKIES)
            return render(request, "profile.html")
    """,
    "card-number": """
        import logging

        logger = logging.getLogger(__name__)

        def charge(card_number, amount):
            try:
                gateway.charge(card_number, amount)
            except GatewayError:
                logger.error("Stripe charge failed for card %s", card_number)
                raise
    """,
    "flask-app-logger-reset-token": """
        from flask import current_app

        def send_reset(user):
            reset_token = make_reset_token(user)
            current_app.logger.info(f"Generated reset token {reset_token} for {user.email}")
    """,
    "structlog-token-from-dict": """
        import structlog

        log = structlog.get_logger(__name__)

        def refresh(session, tokens):
            log.info("tokens_refreshed", user=session.user_id, access_token=tokens["access_token"])
    """,
    "loguru-jwt": """
        from loguru import logger

        def issue(user):
            jwt_token = encode_jwt(user)
            logger.info("Issued JWT: {}", jwt_token)
            return jwt_token
    """,
    "environment-dump": """
        import logging
        import os

        logger = logging.getLogger(__name__)

        def startup():
            logger.debug("environment: %s", os.environ)
    """,
    "settings-db-password": """
        import logging
        from django.conf import settings

        logger = logging.getLogger(__name__)

        def connect():
            logger.info("Connecting to DB as %s:%s", settings.DB_USER, settings.DB_PASSWORD)
    """,
    "token-response": """
        import logging
        import requests

        LOGGER = logging.getLogger(__name__)

        def exchange(code):
            token_response = requests.post(TOKEN_URL, data={"code": code}, timeout=5).json()
            LOGGER.debug("OAuth response: %s", token_response)
            return token_response["access_token"]
    """,
    "concatenated-webhook-secret": """
        import logging

        logger = logging.getLogger(__name__)

        def configure(webhook_secret):
            logger.info("Webhook secret: " + webhook_secret)
    """,
    "str-format-client-secret": """
        import logging

        logger = logging.getLogger(__name__)

        def oauth_client(client_id, client_secret):
            logger.info("client_id={} client_secret={}".format(client_id, client_secret))
    """,
    "auth-header-followed": """
        import logging

        _LOGGER = logging.getLogger(__name__)

        def handle(request):
            auth = request.headers["Authorization"]
            _LOGGER.debug("Auth header: %s", auth)
    """,
    "session-cookie": """
        import logging

        log = logging.getLogger(__name__)

        def whoami(request):
            log.debug("Session cookie %s", request.cookies.get("session"))
    """,
    "private-key-pem": """
        import logging

        def sign(payload, private_key_pem):
            logging.getLogger(__name__).info("Signing with key %s", private_key_pem)
    """,
    "credentials-repr": """
        import logging

        class Connector:
            log = logging.getLogger("connector")

            def login(self, username, credentials):
                self.log.warning("Invalid credentials for %s: %r", username, credentials)
    """,
    "wtforms-password-data": """
        from flask import current_app

        def submit(form):
            current_app.logger.debug("Form data: password=%s", form.password.data)
    """,
    "card-cvv": """
        import logging

        logger = logging.getLogger(__name__)

        def pay(card):
            logger.info("Payment card=%s exp=%s cvv=%s", card.last4, card.exp, card.cvv)
    """,
    "module-api-key-constant": """
        import logging
        from app.config import API_KEY

        logger = logging.getLogger(__name__)

        def call(endpoint):
            logger.debug("Calling %s with key %s", endpoint, API_KEY)
    """,
    "revoking-loop": """
        import logging

        logger = logging.getLogger(__name__)

        def revoke_all(user):
            for token in user.refresh_tokens:
                logger.debug("revoking %s", token)
                token.revoke()
    """,
    "dict-argument": """
        import logging

        logger = logging.getLogger(__name__)

        def register(email, password):
            logger.info("New user registered: %s", {"email": email, "password": password})
    """,
    "structlog-otp": """
        import structlog

        log = structlog.get_logger()

        def send_otp(phone):
            otp_code = generate_code()
            log.info("otp_generated", phone=phone, otp=otp_code)
    """,
    "dict-of-request-headers": """
        import logging

        logger = logging.getLogger(__name__)

        def debug_request(request):
            logger.debug("Request: %s %s", request.method, dict(request.headers))
    """,
    "exception-with-token": """
        import logging

        logger = logging.getLogger(__name__)

        def call_api(token):
            try:
                api.get("/me", token=token)
            except Exception:
                logger.exception("Failed to authenticate with token %s", token)
    """,
    "refresh-token": """
        import logging

        logger = logging.getLogger(__name__)

        def refresh(session):
            refresh_token = session["refresh_token"]
            logger.info("Using refresh token %s", refresh_token)
    """,
    "fstring-repr-password": """
        import logging

        logger = logging.getLogger(__name__)

        def bad_login(username, password):
            logger.warning(f"Bad login for {username} (tried {password!r})")
    """,
    "structlog-async": """
        import structlog

        log = structlog.get_logger()

        async def issue(user):
            access_token = await create_access_token(user)
            await log.ainfo("token_issued", user_id=user.id, token=access_token)
            return access_token
    """,
    "logger-log-level": """
        import logging

        logger = logging.getLogger(__name__)

        def load(secret_value):
            logger.log(logging.DEBUG, "secret=%s", secret_value)
    """,
    "env-key-followed": """
        import logging
        import os

        logger = logging.getLogger(__name__)

        def init_stripe():
            value = os.getenv("STRIPE_SECRET_KEY")
            logger.info("Stripe key loaded: %s", value)
    """,
    "celery-task-logger": """
        from celery.utils.log import get_task_logger

        logger = get_task_logger(__name__)

        def send_password_reset(user_id, token):
            logger.info("Sending password reset email with token %s", token)
    """,
    "self-credentials": """
        import logging

        logger = logging.getLogger(__name__)

        class S3Uploader:
            def connect(self):
                logger.debug("Got credentials %s", self.credentials)
    """,
    "authorization-label": """
        import logging

        logger = logging.getLogger(__name__)

        def forward(request, auth_value):
            logger.debug("Authorization: %s", auth_value)
    """,
    "jwt-encode-followed": """
        import logging
        import jwt

        logger = logging.getLogger(__name__)

        def login(user):
            encoded = jwt.encode({"sub": user.id}, SECRET, algorithm="HS256")
            logger.info("Issued %s for user %s", encoded, user.id)
            return encoded
    """,
    "message-assigned-earlier": """
        import logging

        logger = logging.getLogger(__name__)

        def rotate(new_password):
            msg = f"rotated service account password to {new_password}"
            logger.info(msg)
    """,
    "percent-formatted-message": """
        import logging

        logger = logging.getLogger(__name__)

        def connect(user, db_pass):
            logger.info("connecting as %s/%s" % (user, db_pass))
    """,
    "structlog-bound-token": """
        import structlog

        def handle(request, token):
            log = structlog.get_logger().bind(path=request.path, token=token)
            log.info("request_started")
    """,
    "oauth-client-credentials-params": """
        import logging
        import requests

        logger = logging.getLogger(__name__)

        def fetch_token(client_id, secret):
            params = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
            logger.debug("token request %s", params)
            return requests.post(TOKEN_URL, data=params, timeout=10).json()
    """,
    "private-attribute-password": """
        import logging

        _LOGGER = logging.getLogger(__name__)

        class RouterApi:
            def __init__(self, host, password):
                self.host = host
                self._password = password

            def login(self):
                _LOGGER.debug("Logging in to %s with %s", self.host, self._password)
    """,
    "tornado-get-cookie": """
        import logging

        logger = logging.getLogger(__name__)

        class ProfileHandler(BaseHandler):
            def get(self):
                logger.info("session cookie %s", self.get_cookie("session"))
    """,
    "structlog-splatted-context": """
        import structlog

        log = structlog.get_logger()

        def login(username, password):
            ctx = {"user": username, "password": password}
            log.info("login_attempt", **ctx)
    """,
    "dsn-with-password": """
        import logging

        logger = logging.getLogger(__name__)

        def connect(user, password, host):
            logger.info("Connecting with DSN %s", f"postgres://{user}:{password}@{host}/app")
    """,
    "pydantic-secret-value": """
        import logging

        logger = logging.getLogger(__name__)

        def init_client(settings):
            logger.info("OpenAI key=%s", settings.openai_api_key.get_secret_value())
    """,
    "token-in-redirect-url": """
        import logging

        logger = logging.getLogger(__name__)

        def magic_link(base_url, token):
            url = f"{base_url}/auth/callback?token={token}"
            logger.info("magic link: %s", url)
            return url
    """,
    "django-post-password": """
        import logging

        logger = logging.getLogger(__name__)

        def login_view(request):
            logger.info("login for %s / %s", request.POST["username"], request.POST["password"])
    """,
    "created-api-key-raw-key": """
        import logging

        from app.models import ApiKey

        def create_key(user):
            api_key = ApiKey.objects.create(user=user)
            logging.info("api key created: %s", api_key.key)
            return api_key
    """,
    "token-plaintext-holder": """
        import logging

        logger = logging.getLogger(__name__)

        def issue(user, token):
            logger.debug("issued for %s: %s", user.id, token.plaintext)
    """,
    "password-raw-value-holder": """
        import logging

        logger = logging.getLogger(__name__)

        def change(user, password):
            logger.debug("new password for %s: %s", user.id, password.raw_value)
    """,
    "django-cookie-named-by-setting": """
        import logging

        from django.conf import settings

        logger = logging.getLogger(__name__)
        SESSION_COOKIE = settings.SESSION_COOKIE_NAME

        class RequestLoggingMiddleware:
            def __call__(self, request):
                logger.info("session=%s", request.COOKIES.get(SESSION_COOKIE))
                return self.get_response(request)
    """,
    "outgoing-headers-built-by-call": """
        import logging

        logger = logging.getLogger(__name__)

        def call(service, url):
            headers = {"Authorization": bearer_for(service), "Accept": "application/json"}
            logger.debug("calling %s with %s", url, headers)
    """,
    "secret-key-constant": """
        import logging

        from django.conf import settings

        logger = logging.getLogger(__name__)
        SECRET_KEY = settings.SECRET_KEY

        def startup():
            logger.info("%s", SECRET_KEY)
    """,
    "pydantic-plain-str-password": """
        import logging

        from pydantic import BaseModel

        logger = logging.getLogger(__name__)

        class Signup(BaseModel):
            email: str
            password: str

        def signup(body: Signup):
            logger.info("%s", body.password)
    """,
    "auth-label-on-headers": """
        import logging

        logger = logging.getLogger(__name__)

        class Forwarder:
            def forward(self, service, payload):
                headers = self.service_headers(service)
                logger.debug("outbound %s auth=%s", service, headers)
                return self.session.post(service.url, json=payload, headers=headers)
    """,
    "headers-assigned-when-parameter-missing": """
        import logging

        logger = logging.getLogger(__name__)

        def call(url, token, headers=None):
            if headers is None:
                headers = {"Authorization": f"Bearer {token}"}
            logger.debug("calling %s with %s", url, headers)
    """,
    "header-key-named-by-constant": """
        import logging

        from django.conf import settings

        logger = logging.getLogger(__name__)
        AUTH_HEADER = "Authorization"

        def call(service):
            key = settings.SERVICE_KEYS[service]
            headers = {AUTH_HEADER: f"Bearer {key}", "Accept": "application/json"}
            logger.debug("calling %s with %s", service, headers)
    """,
    "bearer-string-logged": """
        import logging

        logger = logging.getLogger(__name__)

        def call(service, credential):
            logger.debug("calling %s", service, extra={"header": "Bearer " + credential})
    """,
    "pydantic-secret-str-receiver-not-annotated": """
        import logging

        from pydantic import BaseModel, SecretStr

        logger = logging.getLogger(__name__)

        class Signup(BaseModel):
            password: SecretStr

        def signup(body):
            logger.info("%s", body.password)
    """,
    # Seen in released applications (benchmarks/realworld).
    "realworld-session-token-after-masked": """
import logging
def f(aws_secret_access_key, aws_session_token):
    logging.debug(
        f'secret key={aws_secret_access_key[:4] + "..." if aws_secret_access_key else None}, '
        f'session token={aws_session_token}'
    )
""",
    "realworld-bearer-built": """
import logging
def f(value):
    auth = f"Bearer {value}"
    logging.info("calling with %s", auth)
""",
    "realworld-environ-secret-key": """
import logging, os
def f():
    logging.info("key %s", os.environ[API_KEY_VAR])
""",
    "realworld-tokens-auth-module": """
import logging
def f(tokens):
    logging.info("issued %s", tokens)
""",
}

NEGATIVE: dict[str, str] = {
    "auth-label-metadata": """
        import logging

        logger = logging.getLogger(__name__)

        def report(auth_method, result, user):
            logger.info("auth=%s", auth_method)
            logger.info("auth: %s", result)
            logger.info("auth=%s", user.is_authenticated)
    """,
    "cookie-key-is-its-name": """
        import logging

        logger = logging.getLogger(__name__)

        def dump(response, token):
            for cookie in response.cookies.values():
                logger.debug("set cookie %s", cookie.key)
            logger.debug("stored %s", token.hashed_value)
            logger.debug("hint %s", form.password.help_text)
    """,
    "secret-keys-holding-checks": """
        import logging

        logger = logging.getLogger(__name__)

        def check(password, secrets):
            logger.info("checked", extra={"password": validate_password(password)})
            logger.info("loaded", extra={"secrets": sorted(secrets)})
    """,
    "pydantic-optional-secret-in-base-model": """
        import logging
        from typing import Optional

        from pydantic import BaseModel, SecretStr

        logger = logging.getLogger(__name__)

        class Credentials(BaseModel):
            api_key: Optional[SecretStr] = None
            client_secret: SecretStr | None = None

        class Settings(Credentials):
            region: str

        def start(settings: Settings):
            logger.info("key=%s secret=%r", settings.api_key, settings.client_secret)
    """,
    "created-api-key-metadata": """
        import logging

        logger = logging.getLogger(__name__)

        def created(api_key, token):
            logger.info("key %s... for user %s", api_key.prefix, token.user_id)
            logger.info("token expires at %s", token.expires_at)
    """,
    "token-days-left": """
        import logging

        logger = logging.getLogger(__name__)

        def remind(integration):
            logger.info("%s days left", integration.token_days_left)
            logger.info("%d seconds", integration.token_seconds_remaining)
    """,
    "cookie-and-header-name-constants": """
        import logging

        from django.conf import settings

        logger = logging.getLogger(__name__)
        SESSION_COOKIE = settings.SESSION_COOKIE_NAME
        API_KEY_HEADER = "X-Api-Key"

        def describe():
            logger.debug("reading cookie %s", SESSION_COOKIE)
            logger.debug("expecting header %s", API_KEY_HEADER)
    """,
    "preference-cookie-named-by-constant": """
        import logging

        logger = logging.getLogger(__name__)
        THEME_COOKIE = "theme"

        def render(request):
            logger.info("theme=%s", request.COOKIES.get(THEME_COOKIE))
    """,
    "outgoing-headers-masked": """
        import logging

        logger = logging.getLogger(__name__)

        def call(url, token):
            headers = {"Authorization": mask_token(token), "Accept": "application/json"}
            logger.debug("calling %s with %s", url, headers)
    """,
    "pydantic-secret-str-field": """
        import logging

        from pydantic import BaseModel, SecretStr

        logger = logging.getLogger(__name__)

        class Signup(BaseModel):
            email: str
            new_password: SecretStr

        def signup(body: Signup):
            logger.info("secret str repr: %s", body.new_password)
    """,
    "extra-user-id": """
        import logging

        logger = logging.getLogger(__name__)

        def login(user):
            logger.info("login", extra={"user": user.id})
    """,
    "token-refreshed-for-email": """
        import logging

        logger = logging.getLogger(__name__)

        def refresh(user):
            logger.info("token refreshed for %s", user.email)
    """,
    "password-reset-requested": """
        import logging

        logger = logging.getLogger(__name__)

        def reset(email):
            logger.info("Password reset requested for %s", email)
    """,
    "token-expiry": """
        import logging

        logger = logging.getLogger(__name__)

        def check(token_expiry):
            logger.debug("token expires at %s", token_expiry)
    """,
    "masked-api-key": """
        import logging

        logger = logging.getLogger(__name__)

        def configure(api_key):
            logger.info("Using API key %s", mask(api_key))
    """,
    "password-length": """
        import logging

        logger = logging.getLogger(__name__)

        def validate(password):
            logger.debug("password length: %d", len(password))
    """,
    "masked-card": """
        import logging

        logger = logging.getLogger(__name__)

        def charge(card_number):
            logger.info("%s", mask(card_number))
    """,
    "print-is-not-logging": """
        def debug_login(username, password):
            print("login", username, password)
    """,
    "ui-console-info-is-not-logging": """
        def show(console, token):
            console.info(f"Your token: {token}")
    """,
    "exception-after-token-label": """
        import logging
        import jwt

        logger = logging.getLogger(__name__)

        def decode(token):
            try:
                return jwt.decode(token, KEY, algorithms=["HS256"])
            except jwt.InvalidTokenError as exc:
                logger.warning("Invalid token: %s", exc)
                return None
    """,
    "logger-exception": """
        import logging

        logger = logging.getLogger(__name__)

        def refresh(user_id):
            try:
                do_refresh(user_id)
            except Exception:
                logger.exception("Failed to refresh token for user %s", user_id)
    """,
    "token-type-and-expiry": """
        import logging

        logger = logging.getLogger(__name__)

        def issued(token_type, expires_in):
            logger.info("Token type %s, expires in %s seconds", token_type, expires_in)
    """,
    "llm-token-counts": """
        import structlog

        log = structlog.get_logger()

        def record(usage, max_tokens):
            log.info("llm_call", prompt_tokens=usage.prompt_tokens, max_tokens=max_tokens,
                     total_tokens=usage.total_tokens)
    """,
    "hashed-password": """
        import logging

        logger = logging.getLogger(__name__)

        def store(user, hashed_password):
            logger.debug("Stored hash for %s: %s", user.id, hashed_password)
    """,
    "card-last4": """
        import logging

        logger = logging.getLogger(__name__)

        def receipt(card_last4, amount):
            logger.info("Charged %s to card ending in %s", amount, card_last4)
    """,
    "csrf-header-name": """
        import logging
        from django.conf import settings

        logger = logging.getLogger(__name__)

        def setup():
            logger.info("CSRF token header name: %s", settings.CSRF_HEADER_NAME)
    """,
    "is-token-valid": """
        import logging

        logger = logging.getLogger(__name__)

        def check(token):
            is_token_valid = verify_token(token)
            logger.info("Token valid: %s", is_token_valid)
            return is_token_valid
    """,
    "filtered-headers": """
        import logging

        logger = logging.getLogger(__name__)
        SENSITIVE = {"authorization", "cookie"}

        def trace(request):
            logger.debug(
                "Request headers: %s",
                {k: v for k, v in request.headers.items() if k.lower() not in SENSITIVE},
            )
    """,
    "request-id-header": """
        import logging

        logger = logging.getLogger(__name__)

        def trace(request):
            logger.info("Request id %s", request.headers.get("X-Request-ID"))
    """,
    "has-password-flag": """
        import logging

        logger = logging.getLogger(__name__)

        def audit(user):
            logger.info("user=%s has_password=%s", user.id, user.has_usable_password())
    """,
    "token-sha256-fingerprint": """
        import hashlib
        import logging

        logger = logging.getLogger(__name__)

        def remember(token):
            fingerprint = hashlib.sha256(token.encode()).hexdigest()[:12]
            logger.info("token fingerprint %s", fingerprint)
    """,
    "reset-link-sent": """
        import logging

        logger = logging.getLogger(__name__)

        def send_reset(user):
            password_reset_url = build_reset_url(user)
            send_mail(user.email, password_reset_url)
            logger.info("Sent password reset link to %s", user.email)
    """,
    "login-success": """
        import logging

        logger = logging.getLogger(__name__)

        def login(username, password):
            user = authenticate(username=username, password=password)
            logger.info("Login successful for %s", username)
            return user
    """,
    "api-key-revoked-by-id": """
        import logging

        logger = logging.getLogger(__name__)

        def revoke(key, admin):
            key.revoke()
            logger.info("API key %s revoked by %s", key.id, admin.email)
    """,
    "secret-name-and-version": """
        import logging

        logger = logging.getLogger(__name__)

        def rotate(secret_name, version):
            logger.info("Rotated secret %s (version %s)", secret_name, version)
    """,
    "django-messages-info": """
        from django.contrib import messages

        def change_password(request, password):
            messages.info(request, "Your password was changed.")
    """,
    "password-changed-user-id": """
        import logging

        logger = logging.getLogger(__name__)

        def changed(user):
            logger.info("password changed for user_id=%s", user.id)
    """,
    "structlog-claims-sub": """
        import structlog

        log = structlog.get_logger()

        def validated(claims):
            log.info("token_validated", user_id=claims["sub"], token_type="access")
    """,
    "missing-authorization-header": """
        import logging

        logger = logging.getLogger(__name__)

        def reject(request):
            logger.warning("Missing Authorization header on %s %s", request.method, request.path)
    """,
    "token-count": """
        import logging

        logger = logging.getLogger(__name__)

        def issue_all(tokens):
            logger.info("Issued %d tokens", len(tokens))
    """,
    "redacted-literal": """
        import logging

        logger = logging.getLogger(__name__)

        def login(username, password):
            logger.info("login user=%s password=%s", username, "<redacted>")
    """,
    "bool-api-key": """
        import logging

        logger = logging.getLogger(__name__)

        def startup(api_key):
            logger.info("API key configured: %s", bool(api_key))
    """,
    "stars-for-password": """
        import logging

        logger = logging.getLogger(__name__)

        def login(username, password):
            logger.info("login user=%s password=%s", username, "*" * len(password))
    """,
    "secret-id-and-arn": """
        import logging

        logger = logging.getLogger(__name__)

        def load(secret_id, secret_arn):
            logger.info("Loading secret %s from %s", secret_id, secret_arn)
    """,
    "credentials-path": """
        import logging

        logger = logging.getLogger(__name__)

        def load(credentials_path):
            logger.info("Credentials file: %s", credentials_path)
    """,
    "password-policy-setting": """
        import logging
        from django.conf import settings

        logger = logging.getLogger(__name__)

        def describe():
            logger.info("Password policy: min length %d", settings.PASSWORD_MIN_LENGTH)
    """,
    "token-url": """
        import logging

        class OAuthClient:
            def __init__(self, token_url):
                self.logger = logging.getLogger(__name__)
                self.token_url = token_url
                self.logger.debug("token_url=%s", self.token_url)
    """,
    "otp-ttl": """
        import logging

        logger = logging.getLogger(__name__)
        OTP_TTL = 300

        def send_otp(phone):
            logger.info("Generated OTP for %s (expires in %ss)", phone, OTP_TTL)
    """,
    "fstring-error": """
        import logging

        logger = logging.getLogger(__name__)

        def authorize(request):
            try:
                check(request)
            except AuthError as err:
                logger.error(f"authorization failed: {err}")
    """,
    "redacted-headers-followed": """
        import logging

        logger = logging.getLogger(__name__)

        def trace(request):
            safe_headers = redact_headers(request.headers)
            logger.debug("headers %s", safe_headers)
    """,
    "password-updated-at": """
        import logging
        from django.utils import timezone

        logger = logging.getLogger(__name__)

        def updated(user):
            logger.info("Password updated for %s at %s", user.username, timezone.now())
    """,
    "structlog-mfa-flag": """
        import structlog

        log = structlog.get_logger()

        def login(request, user):
            log.info("user.login", user_id=user.id, ip=request.remote_addr, mfa=bool(user.otp_secret))
    """,
    "cache-key": """
        import logging

        logger = logging.getLogger(__name__)

        def store(user_id, cache_key):
            logger.info("Token for %s stored in cache under %s", user_id, cache_key)
    """,
    "response-headers": """
        import logging

        logger = logging.getLogger(__name__)

        def fetch(session, url):
            resp = session.get(url, timeout=5)
            logger.debug("Upstream responded %s %s", resp.status_code, resp.headers)
    """,
    "use-token-auth-setting": """
        import logging
        from django.conf import settings

        logger = logging.getLogger(__name__)

        def describe():
            logger.info("Using token auth: %s", settings.USE_TOKEN_AUTH)
    """,
    "token-prefix": """
        import logging

        logger = logging.getLogger(__name__)

        def used(token):
            logger.info("API token %s... used", token[:6])
    """,
    "password-hasher-name": """
        import logging

        logger = logging.getLogger(__name__)

        def describe(hasher):
            logger.info("Password hasher: %s", hasher.algorithm)
    """,
    "tokenizer-is-not-a-token": """
        import logging

        logger = logging.getLogger(__name__)

        def load(model_name, tokenizer):
            logger.info("Loaded tokenizer %s for %s", tokenizer, model_name)
    """,
    "pagination-token": """
        import logging

        logger = logging.getLogger(__name__)

        def list_all(client):
            resp = client.list_objects()
            logger.info("fetching next page %s", resp.next_page_token)
    """,
    "llm-input-output-tokens": """
        import structlog

        log = structlog.get_logger()

        def record(usage):
            log.info("usage", input_tokens=usage.input_tokens, output_tokens=usage.output_tokens)
    """,
    "secret-names-listing": """
        import logging

        logger = logging.getLogger(__name__)

        def load(secrets):
            logger.info("Loaded secrets: %s", sorted(secrets.keys()))
    """,
    "token-label-user-id": """
        import logging

        logger = logging.getLogger(__name__)

        def issued(token):
            logger.info("token: %s", token.user_id)
    """,
    "key-prefix": """
        import logging

        logger = logging.getLogger(__name__)

        def created(key_prefix):
            logger.info("api key=%s... created", key_prefix)
    """,
    "consent-cookie": """
        import logging

        logger = logging.getLogger(__name__)

        def banner(request):
            logger.info("consent=%s", request.cookies.get("cookie_consent"))
    """,
    "creds-username": """
        import logging

        logger = logging.getLogger(__name__)

        def connect(creds):
            logger.info("Logging in as %s", creds.username)
    """,
    "verify-result": """
        import logging

        logger = logging.getLogger(__name__)

        def check(token):
            logger.info("verify result %s", verify_token(token))
    """,
    "valid-token-flag": """
        import logging

        log = logging.getLogger(__name__)

        def report(valid_client, valid_resource_owner):
            log.info("Valid client: %s", valid_client)
            log.info("Valid token: %s", valid_resource_owner)
    """,
    "jwt-module-version": """
        import logging
        import jwt

        logger = logging.getLogger(__name__)

        def startup():
            logger.info("PyJWT %s", jwt.__version__)
    """,
    # Seen in released applications (benchmarks/realworld).
    "realworld-llm-count-d": """
import logging
logger = logging.getLogger(__name__)
def warn(tool_name, estimated_tokens, limit):
    logger.warning("Response for %s is ~%d tokens (limit %d)", tool_name, estimated_tokens, limit)
    logger.info("event", extra={"original_tokens": estimated_tokens})
""",
    "realworld-float-spec": """
import logging
class Limiter:
    def acquire(self):
        logging.debug(f"acquire rps={self._rps:.1f} tokens={self._tokens:.2f}")
""",
    "realworld-bare-tokens-llm": """
import logging
def summarise(client):
    raw, tokens = client.completion(max_tokens=100)
    input_tokens = 3
    logging.debug(f"summary tokens={tokens}")
""",
    "realworld-header-constant": """
import logging
from app.config import FORWARD_USER_INFO_HEADER_JWT
log = logging.getLogger(__name__)
def f():
    log.exception("Failed to mint %s", FORWARD_USER_INFO_HEADER_JWT)
""",
    "realworld-route-constant": """
import logging
from app.routes import UPDATE_USER_PASSWORD
def f():
    logging.warning(f"update it via {UPDATE_USER_PASSWORD}")
""",
    "realworld-environ-constant-key": """
import logging, os
JOB_ENV_VAR = "JOB_NAME"
def f():
    logging.error(f"Job {os.environ[JOB_ENV_VAR]} failed")
""",
    "realworld-described-creds": """
import logging
def f(uri, e):
    creds = f" (tracking URI: {uri!r}, profile: {profile_of(uri)!r})" if remote(uri) else ""
    logging.error(f"Failed to send: {e}{creds}")
""",
    "realworld-authorization-servers": """
import logging
def f(resource_metadata):
    servers = resource_metadata.get("authorization_servers", [])
    logging.debug("Discovered authorization servers: %s", servers)
""",
    "realworld-token-info": """
import logging
class M:
    def f(self, id_token):
        me = self._get_authentik_token_info(id_token)
        logging.debug("User info: %s", me)
""",
    "realworld-masked-concat": """
import logging
def f(aws_secret_access_key):
    logging.debug(f'secret key={aws_secret_access_key[:4] + "..." if aws_secret_access_key else None}')
""",
}


def _findings(code: str) -> list:
    return [f for f in check_code(builtin_rules(), [RULE], textwrap.dedent(code)) if f.rule_id == RULE]


def test_corpus_is_large_enough() -> None:
    assert len(POSITIVE) >= 30
    assert len(NEGATIVE) >= 30


def test_precision_and_recall_on_the_corpus() -> None:
    misses = [name for name, code in POSITIVE.items() if not _findings(code)]
    false_positives = {
        name: [f"line {f.line}: {f.message}" for f in found]
        for name, code in NEGATIVE.items()
        if (found := _findings(code))
    }
    true_positives = len(POSITIVE) - len(misses)
    precision = true_positives / max(true_positives + len(false_positives), 1)
    recall = true_positives / len(POSITIVE)
    report = f"precision {precision:.2f}, recall {recall:.2f}; missed: {misses}; false positives: {false_positives}"
    assert precision >= 0.9 and recall >= 0.9, report


@pytest.mark.parametrize("name", sorted(POSITIVE))
def test_positive_is_flagged_exactly_once(name: str) -> None:
    found = _findings(POSITIVE[name])
    assert len(found) == 1, f"{name}: {[f.message for f in found]}"


@pytest.mark.parametrize("name", sorted(NEGATIVE))
def test_negative_is_not_flagged(name: str) -> None:
    assert [f"line {f.line}: {f.message}" for f in _findings(NEGATIVE[name])] == []


def test_message_names_the_call_and_the_value() -> None:
    [finding] = _findings(POSITIVE["model-password-attribute"])
    assert finding.message == "`logger.info()` logs `user.password`; log a masked value or drop it"
    [followed] = _findings(POSITIVE["value-from-secret-attribute"])
    assert "`x` (from `creds.password`)" in followed.message
    [labelled] = _findings(POSITIVE["password-label-arbitrary-variable"])
    assert "`value` as 'password'" in labelled.message
    assert labelled.confidence == "medium"


def test_extra_names_option() -> None:
    code = "import logging\nlog = logging.getLogger()\ndef f(user_pin):\n    log.info('pin %s', user_pin)\n"
    rules = builtin_rules()
    assert not _findings(code)
    plan = AnalysisPlan(rule_dirs=(), selected=(RULE,), options={RULE: {"extra-names": ["pin"]}})
    result = Analyzer(plan, rules).check_source("example.py", code.encode())
    assert [f.line for f in result.findings if f.rule_id == RULE] == [4]


# -- secret names ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("X-Api-Key", ["x", "api", "key"]),
        ("accessToken", ["access", "token"]),
        ("APIKey", ["api", "key"]),
        ("HTTP_AUTHORIZATION", ["http", "authorization"]),
        ("card_last4", ["card", "last", "4"]),
        ("X-CSRFToken", ["x", "csrf", "token"]),
    ],
)
def test_split_words(name: str, words: list[str]) -> None:
    assert split_words(name) == words


@pytest.mark.parametrize(
    "name",
    [
        "password",
        "new_password",
        "password2",
        "db_pass",
        "accessToken",
        "ACCESS_TOKEN",
        "accesstoken",
        "X-Api-Key",
        "api_key",
        "Authorization",
        "Cookie",
        "Set-Cookie",
        "client_secret",
        "SECRET_KEY",
        "card_number",
        "cardNumber",
        "credit_card",
        "cvv",
        "password_reset_token",
        "private_key_pem",
        "credentials",
        "refresh_tokens",
    ],
)
def test_secret_names(name: str) -> None:
    assert SecretNames().classify(name) == SECRET


@pytest.mark.parametrize(
    "name",
    [
        "token_type",
        "token_expiry",
        "password_reset_url",
        "max_tokens",
        "token_count",
        "prompt_tokens",
        "password_hash",
        "hashed_password",
        "is_token_valid",
        "has_password",
        "csrf_token_name",
        "secret_name",
        "api_key_id",
        "masked_token",
        "SESSION_COOKIE_SECURE",
        "AUTH_PASSWORD_VALIDATORS",
        "token_url",
    ],
)
def test_metadata_names(name: str) -> None:
    assert SecretNames().classify(name) == METADATA


@pytest.mark.parametrize(
    "name",
    ["username", "email", "first_pass", "tokenizer", "secretary", "key", "card_last4", "session", "auth"],
)
def test_unrelated_names(name: str) -> None:
    assert SecretNames().classify(name) == ""


def test_time_left_is_metadata() -> None:
    names = SecretNames()
    assert names.classify("token_days_left") == METADATA
    assert names.classify("password_age_hours") == METADATA
    assert names.classify("session_token_seconds") == METADATA


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("SESSION_COOKIE", ""),
        ("API_KEY_HEADER", ""),
        ("AUTHORIZATION", ""),
        ("SECRET_KEY", SECRET),
        ("API_TOKEN", SECRET),
        ("COOKIE_SECRET", SECRET),
        ("session_cookie", SECRET),
        ("COOKIES", SECRET),  # Django's ``request.COOKIES`` is request data, not a constant
        ("SESSION_COOKIE_NAME", METADATA),
    ],
)
def test_constants_naming_a_cookie_or_header(name: str, kind: str) -> None:
    assert SecretNames().classify_identifier(name) == kind


def test_extra_names_extend_the_vocabulary() -> None:
    names = SecretNames(["pin", "national id"])
    assert names.is_secret("user_pin")
    assert names.is_secret("nationalId")
    assert names.classify("pin_attempts") == METADATA
    assert not SecretNames().is_secret("user_pin")


def test_function_names() -> None:
    names = SecretNames()
    assert names.classify_function("get_api_key") == SECRET
    assert names.classify_function("token_urlsafe") == SECRET
    assert names.classify_function("verify_password") == ""
    assert names.classify_function("get_token_expiry") == METADATA


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("login user=%s password=", "password"),
        ("api key: '", "api key"),
        ("Authorization: Bearer ", "Bearer"),
        ("GET /cb?access_token=", "access_token"),
        ("Authorization header: ", "Authorization header"),
        ("outbound %s auth=", "auth"),
        ("token auth: ", "auth"),
        ("auth failed: ", None),
        ("token_type=", None),
        ("reset token sent to: ", None),
        ("Password reset requested for ", None),
    ],
)
def test_secret_label(text: str, label: str | None) -> None:
    assert secret_label(text, SecretNames()) == label


# -- logging calls --------------------------------------------------------------


def _calls(code: str) -> list[cst.Call]:
    module = cst.parse_module(textwrap.dedent(code))
    found: list[cst.Call] = []

    class Collect(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            found.append(node)

    module.visit(Collect())
    return found


def _context(code: str) -> FileContext:
    source = textwrap.dedent(code)
    return FileContext("example.py", source, cst.parse_module(source))


@pytest.mark.parametrize(
    ("code", "name", "library"),
    [
        ("import logging\nlogging.info('x')\n", "logging.info", "logging"),
        ("import logging as lg\nlg.warning('x')\n", "lg.warning", "logging"),
        (
            "import logging\nlogging.getLogger(__name__).error('x')\n",
            "logging.getLogger(...).error",
            "logging",
        ),
        (
            "import structlog\nstructlog.get_logger().bind(a=1).info('x')\n",
            "structlog.get_logger().info",
            "structlog",
        ),
        ("from loguru import logger\nlogger.opt(exception=True).info('x')\n", "logger.info", "loguru"),
        ("app.logger.debug('x')\n", "app.logger.debug", ""),
        ("self._log.critical('x')\n", "self._log.critical", ""),
        ("LOGGER.exception('x')\n", "LOGGER.exception", ""),
    ],
)
def test_logging_calls_are_recognised(code: str, name: str, library: str) -> None:
    context = _context(code)
    log = logging_call(context, _calls(code)[0])
    assert log is not None
    assert (log.name, log.library) == (name, library)


@pytest.mark.parametrize(
    "code",
    [
        "messages.info(request, 'saved')\n",
        "console.log('x')\n",
        "import logging\nlogging.basicConfig(level=1)\n",
        "import logging\nlogging.getLogger('x')\n",
        "import math\nmath.log(2)\n",
        "st.info('x')\n",
    ],
)
def test_other_calls_are_not_logging(code: str) -> None:
    context = _context(code)
    assert all(logging_call(context, call) is None for call in _calls(code))


def test_logger_names() -> None:
    assert all(map(is_logger_name, ["log", "logger", "LOGGER", "_log", "audit_logger", "access_log"]))
    assert not any(map(is_logger_name, ["catalog", "dialog", "blog", "console", "messages"]))


def test_call_parts() -> None:
    code = "logger.log(20, 'a %s b %d', x, y, extra={'k': 1}, exc_info=True, user=u)\n"
    log = logging_call(_context(code), _calls(code)[0])
    assert log is not None
    assert isinstance(log.message, cst.SimpleString)
    assert [cst.Module([]).code_for_node(a) for a in log.arguments] == ["x", "y"]
    assert [a.keyword.value for a in log.fields if a.keyword] == ["user"]
    assert log.extra is not None and log.logs_traceback


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (
            "logger.info('user=%s password=%r n=%d', u, p, n)\n",
            [("user=", "s"), (" password=", "r"), (" n=", "d")],
        ),
        ("logger.info(f'token={t} for {u!r}')\n", [("token=", "s"), (" for ", "r")]),
        ("logger.info('a={} b={}'.format(x, y))\n", [("a=", "s"), (" b=", "s")]),
        ("logger.info('key: ' + k)\n", [("key: ", "")]),
        ("logger.info('x %s' % (v,))\n", [("x ", "s")]),
        ("from loguru import logger\nlogger.info('token={}', t)\n", [("token=", "s")]),
    ],
)
def test_interpolations_label_each_value(code: str, expected: list[tuple[str, str]]) -> None:
    context = _context(code)
    log = logging_call(context, _calls(code)[0])
    assert log is not None
    assert [(part.label, part.conversion) for part in interpolations(context, log)] == expected
