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
    };
    return migrations;
}

}  // namespace hilt::server
