// server/store/sqlite/migrations.cpp: the SQL of each schema version.
#include "store/sqlite/migrations.h"

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
        {3, "payments, handoff uses, receipts, memberships, events", R"sql(
-- One row per checkout session. `quote` is what connect quoted (store::PaymentQuote as JSON): amounts,
-- asset, wallets, the membership and delivery terms, the handoff identity. Columns are what queries need.
CREATE TABLE payments (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    payment_id     TEXT NOT NULL UNIQUE,
    merchant_id    TEXT NOT NULL REFERENCES merchants(merchant_id),
    product_id     TEXT NOT NULL REFERENCES products(product_id),
    slug           TEXT NOT NULL,
    status         TEXT NOT NULL,
    failure_reason TEXT,
    reference      TEXT NOT NULL UNIQUE,
    buyer_wallet   TEXT,
    tx_signature   TEXT,
    late           INTEGER NOT NULL DEFAULT 0,
    quote          TEXT NOT NULL,
    delivery_status TEXT,
    membership_id  TEXT,
    built_at       INTEGER,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    confirmed_at   INTEGER,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX payments_by_product ON payments(product_id, seq);
CREATE INDEX payments_by_status ON payments(status, expires_at);
-- Every signed transaction accepted for a payment (broadcast, or found on chain by its reference).
-- state: SENT (broadcast, not landed yet), LANDED, FAILED (landed with an error), EXPIRED (never landed
-- before its blockhash expired), MISMATCH (landed, names the reference, but does not pay the quote).
CREATE TABLE payment_transactions (
    signature      TEXT PRIMARY KEY,
    payment_id     TEXT NOT NULL REFERENCES payments(payment_id),
    wire           BLOB,
    expiry_height  INTEGER,
    state          TEXT NOT NULL,
    error          TEXT,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX payment_transactions_by_payment ON payment_transactions(payment_id);
-- A handoff token is single-use: its id is recorded with the payment it started.
CREATE TABLE handoff_uses (
    token_id       TEXT PRIMARY KEY,
    payment_id     TEXT NOT NULL,
    used_at        INTEGER NOT NULL
);
CREATE TABLE receipts (
    receipt_id     TEXT PRIMARY KEY,
    payment_id     TEXT NOT NULL UNIQUE REFERENCES payments(payment_id),
    merchant_id    TEXT NOT NULL,
    body           TEXT NOT NULL,
    created_at     INTEGER NOT NULL
);
-- One membership per (product, member): a member's later payments extend it.
CREATE TABLE memberships (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    membership_id  TEXT NOT NULL UNIQUE,
    merchant_id    TEXT NOT NULL,
    product_id     TEXT NOT NULL,
    member_key     TEXT NOT NULL,
    body           TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    UNIQUE (product_id, member_key)
);
CREATE INDEX memberships_by_merchant ON memberships(merchant_id, seq);
-- Webhook events, written in the same store transaction as the change they announce; delivered later.
CREATE TABLE events (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id       TEXT NOT NULL UNIQUE,
    merchant_id    TEXT NOT NULL,
    type           TEXT NOT NULL,
    body           TEXT NOT NULL,
    created_at     INTEGER NOT NULL
);
CREATE INDEX events_by_merchant ON events(merchant_id, seq);
)sql"},
        {4, "overpaid payments", R"sql(
-- What a wallet's own transfer paid above the quote (credited and flagged; 0 for exact payments).
ALTER TABLE payments ADD COLUMN overpaid_minor_units INTEGER NOT NULL DEFAULT 0;
)sql"},
        {5, "fees outstanding", R"sql(
-- The Hilt fee a wallet's single transfer paid to the merchant with the price (a Solana Pay transfer request
-- has one recipient): owed by the merchant, 0 when the fee reached the fee account on chain.
ALTER TABLE payments ADD COLUMN fee_outstanding_minor_units INTEGER NOT NULL DEFAULT 0;
)sql"},
        {6, "webhook endpoints, outbox and attempts", R"sql(
-- A merchant's webhook endpoints. The secret is kept as given to the merchant (whsec_…): HMAC signing needs it.
-- After a rotation the previous secret also signs until previous_secret_expires_at (seconds).
CREATE TABLE webhook_endpoints (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    endpoint_id    TEXT NOT NULL UNIQUE,
    merchant_id    TEXT NOT NULL,
    url            TEXT NOT NULL,
    events         TEXT NOT NULL,
    description    TEXT,
    secret         TEXT NOT NULL,
    previous_secret TEXT,
    previous_secret_expires_at INTEGER,
    created_at     INTEGER NOT NULL,
    deleted_at     INTEGER
);
CREATE INDEX webhook_endpoints_by_merchant ON webhook_endpoints(merchant_id, seq);
-- The outbox: one row per (event, endpoint), written in the transaction that writes the event. Times in ms.
CREATE TABLE webhook_deliveries (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id       TEXT NOT NULL,
    endpoint_id    TEXT NOT NULL,
    merchant_id    TEXT NOT NULL,
    status         TEXT NOT NULL,
    attempts       INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    UNIQUE (event_id, endpoint_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at) WHERE status = 'PENDING';
-- Every attempt: when (ms), the HTTP status (NULL: no answer), latency, and a bounded excerpt of the answer.
CREATE TABLE webhook_attempts (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id       TEXT NOT NULL,
    endpoint_id    TEXT NOT NULL,
    attempted_at   INTEGER NOT NULL,
    status_code    INTEGER,
    latency_ms     INTEGER NOT NULL,
    error          TEXT,
    response_excerpt TEXT
);
CREATE INDEX webhook_attempts_by_event ON webhook_attempts(event_id, seq);
)sql"},
        {7, "support cases and delivery recovery", R"sql(
-- A buyer's support case about one payment (POST /v1/payments/{id}/support); body is the API JSON.
CREATE TABLE support_cases (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id        TEXT NOT NULL UNIQUE,
    merchant_id    TEXT NOT NULL,
    payment_id     TEXT NOT NULL REFERENCES payments(payment_id),
    product_id     TEXT NOT NULL,
    status         TEXT NOT NULL,
    body           TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX support_cases_by_merchant ON support_cases(merchant_id, status, seq);
CREATE INDEX support_cases_by_payment ON support_cases(payment_id, seq);
-- Delivery recovery: why delivering access failed, and the value the merchant supplied instead
-- (POST /v1/payments/{id}/delivery), which the buyer then sees in place of the product's.
ALTER TABLE payments ADD COLUMN delivery_failure TEXT;
ALTER TABLE payments ADD COLUMN delivery_override TEXT;
)sql"},
        {8, "payload views", R"sql(
-- Public payload views per product and hour (unix seconds / 3600), flushed from in-memory counters.
CREATE TABLE product_views (
    product_id     TEXT NOT NULL,
    hour           INTEGER NOT NULL,
    views          INTEGER NOT NULL,
    PRIMARY KEY (product_id, hour)
) WITHOUT ROWID;
)sql"},
        {9, "membership lifecycle announcements", R"sql(
-- What the membership lifecycle last announced (membership.grace_started, membership.expired), and the current
-- period's ends read from the membership's body, indexed: the watcher finds the memberships whose state moved
-- without reading the others.
ALTER TABLE memberships ADD COLUMN announced_status TEXT NOT NULL DEFAULT 'ACTIVE';
ALTER TABLE memberships ADD COLUMN period_end_at INTEGER GENERATED ALWAYS AS
    (CAST(strftime('%s', json_extract(body, '$.current_period_end_at')) AS INTEGER)) VIRTUAL;
ALTER TABLE memberships ADD COLUMN grace_end_at INTEGER GENERATED ALWAYS AS
    (CAST(strftime('%s', json_extract(body, '$.grace_period_end_at')) AS INTEGER)) VIRTUAL;
CREATE INDEX memberships_by_period_end ON memberships(announced_status, period_end_at);
CREATE INDEX memberships_by_grace_end ON memberships(announced_status, grace_end_at);
)sql"},
        {10, "subscriptions", R"sql(
-- Which payments are renewals pulled by Hilt's renewal delegate (the checkout watcher leaves them to the
-- renewal worker).
ALTER TABLE payments ADD COLUMN kind TEXT NOT NULL DEFAULT 'CHECKOUT';
-- The buyer's token account behind an AUTOMATIC membership, read from its body: a buyer's subscriptions on
-- one token account share one on-chain delegation.
ALTER TABLE memberships ADD COLUMN token_account TEXT GENERATED ALWAYS AS
    (json_extract(body, '$.subscription.token_account')) VIRTUAL;
CREATE INDEX memberships_by_token_account ON memberships(token_account) WHERE token_account IS NOT NULL;
-- One row per (membership, period) of an AUTOMATIC membership: the period's renewal, written in the
-- transaction that paid the period before it. The primary key means no period is claimed twice; the row
-- existing before it falls due means none is skipped. period_index counts up over the membership's life.
CREATE TABLE renewals (
    membership_id      TEXT NOT NULL,
    period_index       INTEGER NOT NULL,
    merchant_id        TEXT NOT NULL,
    payment_id         TEXT UNIQUE,        -- the period's RENEWAL payment, created at the first attempt
    state              TEXT NOT NULL,      -- DUE | SENDING | SENT | FAILED | SETTLED | ABANDONED
    amount_minor_units INTEGER NOT NULL,
    due_at             INTEGER NOT NULL,
    next_attempt_at    INTEGER NOT NULL,
    attempts           INTEGER NOT NULL DEFAULT 0,
    last_failure       TEXT,
    lease_until        INTEGER,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    PRIMARY KEY (membership_id, period_index)
) WITHOUT ROWID;
CREATE INDEX renewals_due ON renewals(next_attempt_at) WHERE state IN ('DUE', 'FAILED');
CREATE INDEX renewals_leased ON renewals(lease_until) WHERE state = 'SENDING';
)sql"},
        {11, "renewal allowance", R"sql(
-- The delegated allowance a renewal's pull drew on, recorded when the worker sent it: the token account's
-- delegated_amount less what the same pass had already pulled from that account. Its settlement compares it
-- with the price to warn before the allowance runs out (membership.allowance_low). NULL: sent before this
-- column existed; unknown, so no warning.
ALTER TABLE renewals ADD COLUMN allowance_available_minor_units INTEGER;
)sql"},
        {12, "webhook redelivery schedules", R"sql(
-- Counts a delivery's schedules: a redelivery by hand starts a new one (attempts back to 0), and an attempt of
-- the old schedule still in flight then is logged without settling the new one. Before this column, a
-- redelivery made while the first attempt of a schedule was in flight was settled by that attempt.
ALTER TABLE webhook_deliveries ADD COLUMN schedule INTEGER NOT NULL DEFAULT 0;
)sql"},
        {13, "events by type", R"sql(
-- A merchant's events of one type, newest first (GET /v1/events?type=) and the renewals analytics counts: a
-- range of this index, where events_by_merchant made both read every event of the merchant.
CREATE INDEX events_by_merchant_type ON events(merchant_id, type, seq);
)sql"},
        {14, "webhook attempts by delivery", R"sql(
-- A delivery's attempts, newest first, and their count (GET /v1/events/{id}/deliveries lists each delivery's
-- latest few): a range of this index per delivery, where webhook_attempts_by_event made the read go through
-- every attempt of the event, each looked up in the table for its endpoint.
DROP INDEX webhook_attempts_by_event;
CREATE INDEX webhook_attempts_by_delivery ON webhook_attempts(event_id, endpoint_id, seq);
)sql"},
    };
    return migrations;
}

}  // namespace hilt::server
