"""Redis-backed cache, rate-limit counters and a pub/sub listener."""

from __future__ import annotations

import json
import logging
import time
from functools import lru_cache
from typing import Any

import redis
import redis.asyncio as aioredis
from redis import Redis, StrictRedis

from app.settings import settings

logger = logging.getLogger(__name__)

REDIS_OPTIONS = {"socket_timeout": 2.0, "socket_connect_timeout": 1.0, "health_check_interval": 30}


@lru_cache(maxsize=1)
def cache_client() -> redis.Redis:
    return redis.Redis(host=settings.REDIS_HOST, port=settings.REDIS_PORT, db=0)  # expect: missing-timeout


@lru_cache(maxsize=1)
def cache_client_safe() -> redis.Redis:
    return redis.Redis(
        host=settings.REDIS_HOST,
        port=settings.REDIS_PORT,
        db=0,
        socket_timeout=settings.REDIS_SOCKET_TIMEOUT,
        socket_connect_timeout=1,
    )


def counters_client() -> Redis:
    return Redis(**REDIS_OPTIONS, host=settings.REDIS_HOST)


def sessions_client() -> StrictRedis:
    return StrictRedis(host=settings.REDIS_HOST, port=6380, db=2, decode_responses=True)  # expect: missing-timeout


def queue_client() -> redis.Redis:
    return redis.Redis.from_url(settings.QUEUE_URL, socket_timeout=5)


def broker_client() -> redis.Redis:
    return redis.from_url(settings.BROKER_URL)  # expect: missing-timeout  # ambiguous: the URL might carry ?socket_timeout=


def half_configured() -> redis.Redis:
    return redis.Redis(host=settings.REDIS_HOST, socket_connect_timeout=2)  # expect: missing-timeout  # ambiguous: connect is bounded, reads are not


def async_client() -> aioredis.Redis:
    return aioredis.Redis(host=settings.REDIS_HOST, port=settings.REDIS_PORT)  # expect: missing-timeout


def async_client_safe() -> aioredis.Redis:
    return aioredis.from_url(settings.REDIS_URL, socket_timeout=3, socket_connect_timeout=1)


def client_from_options(**overrides: Any) -> redis.Redis:
    options = {**settings.REDIS_OPTIONS, **overrides}
    return redis.Redis(**options)


class Cache:
    ttl = 300

    def __init__(self, client: redis.Redis | None = None) -> None:
        self.client = client or cache_client_safe()

    def get(self, key: str) -> Any:
        raw = self.client.get(key)
        return json.loads(raw) if raw else None

    def set(self, key: str, value: Any, ttl: int | None = None) -> None:
        self.client.set(key, json.dumps(value), ex=ttl or self.ttl)

    def remember(self, key: str, producer) -> Any:
        value = self.get(key)
        if value is None:
            value = producer()
            self.set(key, value)
        return value


class RateLimiter:
    def __init__(self, prefix: str = "rl") -> None:
        self.prefix = prefix
        self.redis = redis.Redis(host=settings.REDIS_HOST, port=settings.REDIS_PORT, db=3)  # expect: missing-timeout

    def hit(self, key: str, limit: int, window: int = 60) -> bool:
        bucket = f"{self.prefix}:{key}:{int(time.time() // window)}"
        pipe = self.redis.pipeline()
        pipe.incr(bucket)
        pipe.expire(bucket, window)
        count, _ = pipe.execute()
        return count <= limit


def listen(channel: str, handler) -> None:
    client = redis.Redis(host=settings.REDIS_HOST, socket_timeout=None)  # expect: missing-timeout  # ambiguous: a pub/sub listener blocks by design, but the socket can still hang on a dead peer
    pubsub = client.pubsub()
    pubsub.subscribe(channel)
    for message in pubsub.listen():
        if message["type"] == "message":
            handler(json.loads(message["data"]))
    logger.info("listener for %s stopped", channel)
