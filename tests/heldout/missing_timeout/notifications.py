"""Outbound notifications: e-mail, legacy HTTP callbacks, nightly FTP drops."""

from __future__ import annotations

import ftplib
import http.client
import json
import logging
import smtplib
import ssl
import urllib.parse
import urllib.request
from email.message import EmailMessage
from urllib.request import Request, urlopen

from django.conf import settings

logger = logging.getLogger(__name__)

SMTP_TIMEOUT = 15


def _message(to: str, subject: str, body: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = settings.DEFAULT_FROM_EMAIL
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content(body)
    return msg


def send_mail(to: str, subject: str, body: str) -> None:
    with smtplib.SMTP(settings.EMAIL_HOST, settings.EMAIL_PORT) as smtp:  # expect: missing-timeout
        smtp.starttls(context=ssl.create_default_context())
        smtp.login(settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD)
        smtp.send_message(_message(to, subject, body))


def send_mail_safe(to: str, subject: str, body: str) -> None:
    with smtplib.SMTP(settings.EMAIL_HOST, settings.EMAIL_PORT, timeout=SMTP_TIMEOUT) as smtp:
        smtp.starttls(context=ssl.create_default_context())
        smtp.login(settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD)
        smtp.send_message(_message(to, subject, body))


class SecureMailer:
    def __init__(self, host: str, port: int = 465, timeout: float = 10.0) -> None:
        self.host = host
        self.port = port
        self.timeout = timeout
        self.context = ssl.create_default_context()

    def send(self, msg: EmailMessage) -> None:
        with smtplib.SMTP_SSL(self.host, self.port, context=self.context) as smtp:  # expect: missing-timeout
            smtp.send_message(msg)

    def send_safe(self, msg: EmailMessage) -> None:
        with smtplib.SMTP_SSL(self.host, self.port, context=self.context, timeout=self.timeout) as smtp:
            smtp.send_message(msg)


def post_callback(url: str, event: dict) -> int:
    data = json.dumps(event).encode()
    req = Request(url, data=data, headers={"Content-Type": "application/json"}, method="POST")
    with urlopen(req) as resp:  # expect: missing-timeout
        return resp.status


def post_callback_safe(url: str, event: dict) -> int:
    data = json.dumps(event).encode()
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=settings.CALLBACK_TIMEOUT) as resp:
        return resp.status


def fetch_status_page(host: str) -> dict:
    query = urllib.parse.urlencode({"format": "json"})
    with urllib.request.urlopen(f"https://{host}/status?{query}") as resp:  # expect: missing-timeout
        return json.load(resp)


def fetch_status_positional(host: str) -> dict:
    with urlopen(f"https://{host}/status", None, 5) as resp:
        return json.load(resp)


def ping_legacy(host: str, path: str = "/ping") -> bool:
    conn = http.client.HTTPSConnection(host)  # expect: missing-timeout
    try:
        conn.request("GET", path)
        return conn.getresponse().status == 200
    finally:
        conn.close()


def ping_legacy_safe(host: str, path: str = "/ping") -> bool:
    conn = http.client.HTTPSConnection(host, timeout=5, context=ssl.create_default_context())
    try:
        conn.request("GET", path)
        return conn.getresponse().status == 200
    finally:
        conn.close()


def ping_plain_positional(host: str) -> bool:
    conn = http.client.HTTPConnection(host, 8080, 3)
    conn.request("HEAD", "/")
    return conn.getresponse().status < 500


def upload_report(filename: str, payload: bytes) -> None:
    import io

    ftp = ftplib.FTP_TLS(settings.FTP_HOST, settings.FTP_USER, settings.FTP_PASSWORD)  # expect: missing-timeout
    ftp.prot_p()
    ftp.storbinary(f"STOR {filename}", io.BytesIO(payload))
    ftp.quit()


def upload_report_safe(filename: str, payload: bytes) -> None:
    import io

    with ftplib.FTP(settings.FTP_HOST, timeout=settings.FTP_TIMEOUT) as ftp:
        ftp.login(settings.FTP_USER, settings.FTP_PASSWORD)
        ftp.storbinary(f"STOR {filename}", io.BytesIO(payload))
    logger.info("uploaded %s (%d bytes)", filename, len(payload))
