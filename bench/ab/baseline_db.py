"""The baseline's tables (raw SQL in its own throwaway database) and their rows: one worker per
token of the product, with the same token (its SHA-256, under a unique index), and one hot gift."""

from __future__ import annotations

import hashlib

SCHEMA = """
CREATE TABLE ab_worker (
    id bigserial PRIMARY KEY,
    token_hash char(64) NOT NULL UNIQUE,
    name varchar(100) NOT NULL,
    points integer NOT NULL
);
CREATE TABLE ab_gift (
    id bigserial PRIMARY KEY,
    name varchar(100) NOT NULL,
    points_cost integer NOT NULL,
    stock integer NOT NULL CHECK (stock >= 0)
);
CREATE TABLE ab_voucher (
    id bigserial PRIMARY KEY,
    gift_id bigint NOT NULL REFERENCES ab_gift (id),
    worker_id bigint NOT NULL REFERENCES ab_worker (id),
    code varchar(16) NOT NULL UNIQUE,
    status varchar(16) NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX ab_voucher_worker ON ab_voucher (worker_id);
CREATE TABLE ab_ledger (
    id bigserial PRIMARY KEY,
    worker_id bigint NOT NULL REFERENCES ab_worker (id),
    amount integer NOT NULL,
    voucher_id bigint REFERENCES ab_voucher (id),
    created_at timestamptz NOT NULL
);
CREATE INDEX ab_ledger_worker ON ab_ledger (worker_id);
CREATE TABLE ab_upload (
    id bigserial PRIMARY KEY,
    worker_id bigint NOT NULL REFERENCES ab_worker (id),
    category varchar(40) NOT NULL,
    lat double precision NOT NULL,
    lng double precision NOT NULL,
    photo varchar(200) NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX ab_upload_worker ON ab_upload (worker_id);
"""


def baseline_populate(url: str, tokens: list[str], *, stock: int, points: int) -> int:
    """Create the tables and rows; return the hot gift's id."""
    import psycopg

    with psycopg.connect(url) as conn:
        conn.execute(SCHEMA)
        with conn.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO ab_worker (token_hash, name, points) VALUES (%s, %s, %s)",
                [(hashlib.sha256(t.encode()).hexdigest(), f"基准小哥{i}", points) for i, t in enumerate(tokens)],
            )
            cursor.execute(
                "INSERT INTO ab_gift (name, points_cost, stock) VALUES (%s, 1, %s) RETURNING id",
                ["基准热门礼品", stock],
            )
            row = cursor.fetchone()
            assert row is not None
    # Vacuumed and analysed as the product's side is (product_setup.py): this machine's bench
    # server runs without autovacuum, and an index-only scan of an unvacuumed table visits it.
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return int(row[0])
