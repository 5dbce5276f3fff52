// server/store/migrations.cpp: the SQL of each schema version.
#include "store/migrations.h"

namespace hilt::server {

const std::vector<Migration>& hiltd_migrations() {
    static const std::vector<Migration> migrations = {
        {1, "merchants and api keys", R"sql(
CREATE TABLE merchants (
    merchant_id   TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    subscriptions_enabled INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
);
CREATE TABLE api_keys (
    key_id        TEXT PRIMARY KEY,
    merchant_id   TEXT NOT NULL REFERENCES merchants(merchant_id),
    secret_hash   TEXT NOT NULL UNIQUE,
    display_hint  TEXT NOT NULL,
    label         TEXT,
    created_at    INTEGER NOT NULL,
    revoked_at    INTEGER
);
CREATE INDEX api_keys_by_merchant ON api_keys(merchant_id, created_at);
-- Server-held keys (JWT signing key, receipt signing key), created on first start.
CREATE TABLE server_secrets (
    name          TEXT PRIMARY KEY,
    value         BLOB NOT NULL,
    created_at    INTEGER NOT NULL
);
)sql"},
        {2, "products and idempotency", R"sql(
-- A product row keeps the product as its API JSON (models::Product) plus the columns queries need.
CREATE TABLE products (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    product_id    TEXT NOT NULL UNIQUE,
    merchant_id   TEXT NOT NULL REFERENCES merchants(merchant_id),
    slug          TEXT NOT NULL UNIQUE,
    status        TEXT NOT NULL,
    body          TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX products_by_merchant ON products(merchant_id, status, seq);
-- One row per (scope, Idempotency-Key): the request's hash and, once answered, the response replayed.
CREATE TABLE idempotency_keys (
    scope         TEXT NOT NULL,
    key           TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    status        INTEGER,
    response_body TEXT,
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_by_age ON idempotency_keys(created_at);
)sql"},
    };
    return migrations;
}

}  // namespace hilt::server
