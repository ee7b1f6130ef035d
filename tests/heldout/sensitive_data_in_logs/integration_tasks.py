"""Celery jobs that sync third-party integrations (SFTP partners, ticketing, CRM)."""

from __future__ import annotations

from dataclasses import dataclass

import paramiko
import requests
from celery import Task, shared_task
from celery.utils.log import get_task_logger

from integrations.models import Integration, Tenant
from integrations.vault import read_secret

logger = get_task_logger(__name__)

SENSITIVE_HEADERS = {"authorization", "cookie", "x-api-key"}


@dataclass
class SftpCredentials:
    host: str
    username: str
    password: str


class SftpSyncTask(Task):
    name = "integrations.sftp_sync"
    max_retries = 3

    def credentials(self, integration: Integration) -> SftpCredentials:
        return SftpCredentials(
            host=integration.host,
            username=integration.username,
            password=read_secret(integration.secret_name),
        )

    def run(self, integration_id: int) -> int:
        integration = Integration.objects.get(pk=integration_id)
        self.username = integration.username
        creds = self.credentials(integration)
        self.password = creds.password
        logger.info("task %s started for %s", self.request.id, integration.name)
        logger.info("syncing with credentials %s:%s", self.username, self.password)  # expect: sensitive-data-in-logs
        logger.info("secret_name=%s", integration.secret_name)  # ambiguous: the *name* of a vault entry, not its value -> not expected
        transport = paramiko.Transport((creds.host, 22))
        transport.connect(username=creds.username, password=creds.password)
        sftp = paramiko.SFTPClient.from_transport(transport)
        files = sftp.listdir("/outbox")
        logger.info("found %d files on %s", len(files), creds.host)
        return len(files)


@shared_task(bind=True)
def push_tickets(self, integration_id: int) -> None:
    integration = Integration.objects.get(pk=integration_id)
    api_token = read_secret(integration.secret_name)
    url = f"{integration.base_url}/api/tickets"
    headers = {"Authorization": f"Token {api_token}", "Accept": "application/json"}
    try:
        resp = requests.post(url, json={"tickets": []}, headers=headers, timeout=10)
        resp.raise_for_status()
    except requests.RequestException:
        logger.exception("failed to call %s with token %s", url, api_token)  # expect: sensitive-data-in-logs
        raise self.retry(countdown=60)
    logger.debug("Authorization: %s", headers["Authorization"])  # expect: sensitive-data-in-logs
    logger.debug("request headers: %s", {k: v for k, v in headers.items() if k.lower() not in SENSITIVE_HEADERS})
    logger.debug("upstream set cookie %s", resp.headers.get("Set-Cookie"))  # expect: sensitive-data-in-logs
    logger.info("api token for %s expires in %d days", integration.name, integration.token_days_left)


@shared_task
def check_database_integration(tenant_id: int) -> None:
    tenant = Tenant.objects.get(pk=tenant_id)
    dsn = f"postgresql://{tenant.db_host}/{tenant.db_name}"
    db_password = read_secret(f"tenants/{tenant.slug}/db")
    logger.info("config: %s", {"dsn": dsn, "password": db_password})  # expect: sensitive-data-in-logs
    logger.info("config: %s", {"dsn": dsn, "password": "***"})
    logger.info("password_reset_required=%s", tenant.owner.password_reset_required)  # ambiguous: a boolean flag named after passwords -> not expected


@shared_task
def rotate_all_secrets() -> int:
    tenants = list(Tenant.objects.filter(active=True))
    logger.info("rotating secrets for %d tenants", len(tenants))
    rotated = 0
    for tenant in tenants:
        secret = read_secret(f"tenants/{tenant.slug}/signing")
        logger.debug("tenant %s signing secret %s", tenant.slug, secret)  # expect: sensitive-data-in-logs
        logger.debug("tenant %s signing secret loaded (%d bytes)", tenant.slug, len(secret))
        rotated += 1
    logger.info("rotated %d secrets", rotated)
    return rotated


@shared_task
def crm_session_probe(base_url: str, session_id: str) -> bool:
    cookies = {"sessionid": session_id}
    resp = requests.get(f"{base_url}/me", cookies=cookies, timeout=5)
    logger.info("probe %s -> %s", base_url, resp.status_code)
    logger.debug("probe cookies %s", cookies)  # expect: sensitive-data-in-logs
    return resp.ok
