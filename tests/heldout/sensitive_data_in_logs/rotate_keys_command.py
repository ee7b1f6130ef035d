"""`manage.py rotate_keys`: rotate service signing keys and bootstrap tokens."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import transaction

from keys.models import ServiceKey

logger = logging.getLogger(__name__)
audit = logging.getLogger("audit")


def masked(value: str) -> str:
    return value[:4] + "*" * max(len(value) - 4, 0)


class Command(BaseCommand):
    help = "Rotate signing keys for one or all services"

    def add_arguments(self, parser):
        parser.add_argument("--service", action="append", default=[])
        parser.add_argument("--show", action="store_true", help="print the new secrets to stdout")
        parser.add_argument("--secret-dir", type=Path, default=Path("/run/secrets"))

    @transaction.atomic
    def handle(self, *args, service: list[str], show: bool, secret_dir: Path, **options) -> None:
        services = service or list(ServiceKey.objects.values_list("service", flat=True).distinct())
        count = 0
        for svc in services:
            old_key = ServiceKey.objects.filter(service=svc, active=True).first()
            new_secret = secrets.token_hex(32)
            new_key = ServiceKey.objects.create(service=svc, secret=new_secret, active=True)
            if old_key:
                old_key.active = False
                old_key.save(update_fields=["active"])
                audit.info("rotated %s -> %s", old_key.secret, new_key.secret)  # expect: sensitive-data-in-logs
                audit.info("rotated key %s -> %s for %s", old_key.id, new_key.id, svc)
            logger.info("new key for %s: %s", svc, new_secret)  # expect: sensitive-data-in-logs
            logger.info("new key for %s: %s", svc, masked(new_secret))
            logger.info("new key: %s", new_secret[:4] + "****")
            secret_path = secret_dir / f"{svc}.key"
            secret_path.write_text(new_secret)
            logger.info("secret stored at %s", secret_path)  # ambiguous: a file path whose name mentions secret -> not expected
            if show:
                self.stdout.write(f"{svc}: {new_secret}")
            count += 1
        logger.info("rotated %d secrets", count)
        self._bootstrap()

    def _bootstrap(self) -> None:
        db_password = os.environ.get("DB_PASSWORD")
        if not db_password:
            logger.warning("Using fallback DB password %s", os.environ["FALLBACK_DB_PASSWORD"])  # expect: sensitive-data-in-logs
        bootstrap_token = secrets.token_urlsafe(24)
        msg = f"bootstrap token: {bootstrap_token}"
        logger.info(msg)  # expect: sensitive-data-in-logs
        logger.info("bootstrap token generated (%d chars)", len(bootstrap_token))
        logging.getLogger("audit").warning("bootstrap credentials: user=%s password=%s", "admin", db_password)  # expect: sensitive-data-in-logs
        self.stdout.write(self.style.SUCCESS("bootstrap token written"))
        print(f"token: {bootstrap_token}")
