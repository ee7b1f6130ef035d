"""Authentication service for the Flask API: login, token refresh, password reset."""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta, timezone

from flask import Blueprint, current_app, jsonify, request
from werkzeug.security import check_password_hash, generate_password_hash

from .models import PasswordReset, User, db
from .tokens import TokenPair, issue_tokens, mask, verify_refresh_token

logger = logging.getLogger(__name__)
bp = Blueprint("auth", __name__, url_prefix="/api/v1/auth")

RESET_TTL = timedelta(hours=1)


class AuthService:
    def __init__(self, session=db.session) -> None:
        self.session = session

    def authenticate(self, username: str, password: str) -> User | None:
        logger.info("Login attempt for %s with password %s", username, password)  # expect: sensitive-data-in-logs
        user = self.session.query(User).filter_by(username=username).one_or_none()
        if user is None or not check_password_hash(user.password_hash, password):
            logger.warning("invalid password for user %s", username)
            return None
        logger.info("Login attempt for %s succeeded", username)
        logger.debug("password length %d", len(password))
        return user

    def login(self, user: User) -> TokenPair:
        tokens = issue_tokens(user)
        logger.debug(f"Issued token {tokens.access_token} for user {user.id}")  # expect: sensitive-data-in-logs
        logger.info("issued token %s for user %s", mask(tokens.access_token), user.id)
        logger.info("token expires at %s", tokens.expires_at)
        logger.info("token type %s, scope %s", tokens.token_type, tokens.scope)
        logger.info("login", extra={"user": user.id})
        return tokens

    def refresh(self, refresh_token: str) -> TokenPair:
        claims = verify_refresh_token(refresh_token)
        if claims is None:
            logger.warning("refresh failed: refresh_token=%s", refresh_token)  # expect: sensitive-data-in-logs
            raise PermissionError("invalid refresh token")
        user_id = claims["sub"]
        logger.info("token refreshed for user %s", user_id)
        return issue_tokens(self.session.get(User, user_id))

    def start_reset(self, email: str) -> None:
        user = self.session.query(User).filter_by(email=email).one_or_none()
        logger.info("password reset requested for %s", email)
        if user is None:
            return
        reset_token = secrets.token_urlsafe(32)
        self.session.add(PasswordReset(user_id=user.id, token=reset_token, expires_at=datetime.now(timezone.utc) + RESET_TTL))
        self.session.commit()
        logger.info("reset link sent: %s/reset/%s", current_app.config["FRONTEND_URL"], reset_token)  # expect: sensitive-data-in-logs
        logger.info("reset link sent to user %s", user.id)

    def finish_reset(self, token: str, new_password: str) -> None:
        reset = self.session.query(PasswordReset).filter_by(token=token).one()
        user = self.session.get(User, reset.user_id)
        user.password_hash = generate_password_hash(new_password)
        self.session.commit()
        logger.info("user %s changed password", user.id)
        logger.debug("reset %s consumed with token %s", reset.id, reset.token)  # expect: sensitive-data-in-logs


service = AuthService()


@bp.post("/login")
def login():
    data = request.get_json(force=True)
    logger.debug("auth header %s", request.headers.get("Authorization"))  # expect: sensitive-data-in-logs
    logger.debug("cookies: %s", request.cookies)  # expect: sensitive-data-in-logs
    logger.debug("login request from %s, ua=%s", request.remote_addr, request.headers.get("User-Agent"))
    user = service.authenticate(data["username"], data["password"])
    if user is None:
        return jsonify({"error": {"code": "invalid_credentials", "message": "Invalid credentials"}}), 401
    tokens = service.login(user)
    return jsonify({"access_token": tokens.access_token, "refresh_token": tokens.refresh_token})


@bp.post("/logout")
def logout():
    logger.debug("logout headers: %s", dict(request.headers))  # expect: sensitive-data-in-logs  # ambiguous: the whole header map, which includes Authorization and Cookie
    logger.info("logout for %s", request.authorization.username if request.authorization else "anonymous")
    return jsonify({"ok": True})
