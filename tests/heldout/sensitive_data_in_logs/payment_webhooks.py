"""Stripe integration for the Django shop: charges and webhook handling."""

from __future__ import annotations

import hashlib
import json
import logging

import stripe
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .models import Order, Payment
from .utils import redact

logger = logging.getLogger("shop.payments")


class StripeGateway:
    def __init__(self, api_key: str | None = None, webhook_secret: str | None = None) -> None:
        self.api_key = api_key or settings.STRIPE_SECRET_KEY
        self.webhook_secret = webhook_secret or settings.STRIPE_WEBHOOK_SECRET
        stripe.api_key = self.api_key
        logger.info("stripe gateway ready, using api key %s", redact(self.api_key))
        logger.debug("api key fingerprint %s", hashlib.sha256(self.api_key.encode()).hexdigest()[:8])
        logger.info("has_api_key=%s live=%s", bool(self.api_key), self.api_key.startswith("sk_live"))

    def charge(self, order: Order, card_number: str, exp: str, cvc: str) -> Payment:
        logger.info("charging card %s for %s", card_number, order.total)  # expect: sensitive-data-in-logs
        logger.info("charging card ending %s for order %s", card_number[-4:], order.pk)
        logger.debug("stripe request %s", {"api_key": self.api_key, "amount": order.total_cents})  # expect: sensitive-data-in-logs
        try:
            intent = stripe.PaymentIntent.create(amount=order.total_cents, currency="eur", metadata={"order": order.pk})
        except stripe.error.StripeError:
            logger.error(f"Stripe call failed with key {settings.STRIPE_SECRET_KEY}")  # expect: sensitive-data-in-logs
            raise
        payment = Payment.objects.create(order=order, intent_id=intent.id, last4=card_number[-4:])
        logger.info("card brand %s last4 %s", intent.payment_method_types, payment.last4)
        return payment

    def decline(self, payment: Payment, reason: str) -> None:
        logger.warning("card %s declined: %s", payment.card_number, reason)  # expect: sensitive-data-in-logs
        logger.warning("payment %s declined: %s", payment.pk, reason)

    def log_legacy(self, pan: str, cvv: str) -> None:
        logger.info("legacy terminal pan=%s cvv=%s", pan, cvv)  # expect: sensitive-data-in-logs  # ambiguous: PAN/CVV are card data under other names

    def construct(self, payload: bytes, signature: str):
        logger.debug("verifying with webhook secret %s", self.webhook_secret)  # expect: sensitive-data-in-logs
        event = stripe.Webhook.construct_event(payload, signature, self.webhook_secret)
        logger.info("webhook signature verified for event %s", event.id)
        return event


gateway = StripeGateway()


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    signature = request.META.get("HTTP_STRIPE_SIGNATURE", "")
    try:
        event = gateway.construct(request.body, signature)
    except stripe.error.SignatureVerificationError:
        logger.warning("bad webhook signature from %s", request.META.get("REMOTE_ADDR"))
        return HttpResponse(status=400)
    if event.type == "payment_intent.succeeded":
        intent = event.data.object
        Payment.objects.filter(intent_id=intent.id).update(status="succeeded")
        logger.info("payment %s succeeded (%s)", intent.id, json.dumps(intent.metadata))
    return JsonResponse({"received": True})


def rotate_webhook_secret(new_secret: str) -> None:
    gateway.webhook_secret = new_secret
    logger.info("secret rotated", extra={"key_id": hashlib.sha1(new_secret.encode()).hexdigest()[:6]})
    logger.info("webhook secret rotated at %s", settings.TIME_ZONE)
