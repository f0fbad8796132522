"""Is a PostgreSQL or Redis server answering? Decides whether service-backed tests run or skip."""

from __future__ import annotations


def postgres_reachable(url: str) -> bool:
    try:
        import psycopg

        with psycopg.connect(url.replace("postgres://", "postgresql://", 1), connect_timeout=3):
            return True
    except Exception:
        return False


def redis_reachable(url: str) -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping())
    except Exception:
        return False
