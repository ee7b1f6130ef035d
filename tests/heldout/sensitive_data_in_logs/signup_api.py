"""FastAPI signup / account endpoints."""

from __future__ import annotations

import logging
import secrets

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from passlib.context import CryptContext
from pydantic import BaseModel, EmailStr, SecretStr

from .db import get_session
from .models import ApiKey, User

logger = logging.getLogger("accounts")
router = APIRouter(prefix="/v1/accounts", tags=["accounts"])
pwd = CryptContext(schemes=["argon2"])
basic = HTTPBasic()


class SignupRequest(BaseModel):
    email: EmailStr
    password: str
    display_name: str


class PasswordChange(BaseModel):
    old_password: str
    new_password: SecretStr


@router.post("/signup", status_code=status.HTTP_201_CREATED)
def signup(payload: SignupRequest, session=Depends(get_session)):
    logger.info("signup request: %s", payload)  # ambiguous: the model's repr includes the password field, no secret named at the call -> not expected
    logger.debug("signup %s / %s", payload.email, payload.password)  # expect: sensitive-data-in-logs
    if len(payload.password) < 12:
        logger.info("password policy failed for %s: %s", payload.email, "too short")
        raise HTTPException(status_code=422, detail="password too short")
    user = User(email=payload.email, display_name=payload.display_name, password_hash=pwd.hash(payload.password))
    session.add(user)
    session.commit()
    logger.info("user %s signed up", user.id)
    logger.debug("hashed password %s", user.password_hash)  # ambiguous: a hash, which the contract calls fine -> not expected
    return {"id": user.id}


@router.post("/me/password")
def change_password(body: PasswordChange, request: Request, session=Depends(get_session)):
    user = request.state.user
    new_password = body.new_password.get_secret_value()
    logger.info(f"user {user.email} set password {new_password}")  # expect: sensitive-data-in-logs
    logger.info(f"user {user.email} changed their password")
    logger.info("password changed", extra={"user_id": user.id})
    logger.info("new password has %d characters", len(new_password))
    logger.info("secret str repr: %s", body.new_password)  # ambiguous: SecretStr renders as '**********' -> not expected
    user.password_hash = pwd.hash(new_password)
    session.commit()
    return {"ok": True}


@router.post("/me/api-keys")
def create_api_key(request: Request, session=Depends(get_session)):
    user = request.state.user
    raw = secrets.token_urlsafe(32)
    api_key = ApiKey(user_id=user.id, prefix=raw[:8], key_hash=pwd.hash(raw), key=raw)
    session.add(api_key)
    session.commit()
    logging.info("api key created: %s", api_key.key)  # expect: sensitive-data-in-logs
    logger.info("api key created for %s (prefix %s)", user.id, api_key.prefix)  # ambiguous: the prefix is designed to be shown -> not expected
    logger.info("api key %s created", api_key.id)
    return {"key": raw, "prefix": api_key.prefix}


@router.get("/session")
def session_info(request: Request):
    session_cookie = request.cookies.get("session")
    if session_cookie is None:
        logging.warning("bad session cookie %s", request.cookies.get("session"))  # expect: sensitive-data-in-logs
        raise HTTPException(status_code=401)
    logger.debug("session cookie value %s", session_cookie)  # expect: sensitive-data-in-logs
    logger.debug("session cookie present: %s", bool(session_cookie))
    return {"user": request.state.user.id}


@router.get("/basic-login")
def basic_login(credentials: HTTPBasicCredentials = Depends(basic), session=Depends(get_session)):
    user = session.query(User).filter_by(email=credentials.username).one_or_none()
    if user is None or not pwd.verify(credentials.password, user.password_hash):
        logger.error("could not verify %s with %s", credentials.username, credentials.password)  # expect: sensitive-data-in-logs
        raise HTTPException(status_code=401)
    logger.info("basic login for %s", credentials.username)
    logger.info("sending password reset reminder to %s", user.email)
    return {"id": user.id}
