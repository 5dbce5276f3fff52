// server/store/sqlite/sqlite_payment_store.cpp: SQL for payments and what confirmation writes.
#include "store/sqlite/sqlite_payment_store.h"

#include "auth/api_keys.h"
#include "store/sqlite/event_rows.h"
#include "store/sqlite/payment_rows.h"
#include "store/sqlite/rows.h"

namespace hilt::server {

namespace payment_rows {

constexpr std::string_view kPaymentColumns =
    "payment_id, merchant_id, product_id, slug, status, failure_reason, reference, buyer_wallet, "
    "tx_signature, late, quote, delivery_status, membership_id, built_at, created_at, expires_at, "
    "confirmed_at, overpaid_minor_units, fee_outstanding_minor_units, delivery_failure, "
    "delivery_override";

using rows::cursor_seq;
using rows::damaged;
using rows::enum_column;
using rows::json_column;

Result<solana::PublicKey> key_column(const std::string& text) {
    auto key = solana::PublicKey::parse(text);
    if (!key) return damaged("key", key.error());
    return *key;
}

std::optional<models::Timestamp> optional_time(const std::optional<std::int64_t>& value) {
    if (!value) return std::nullopt;
    return models::Timestamp{*value};
}


Result<PaymentRecord> payment_from_row(const Statement& s) {
    PaymentRecord p;
    p.payment_id = s.column_text(0);
    p.merchant_id = s.column_text(1);
    p.product_id = s.column_text(2);
    p.slug = s.column_text(3);
    auto status = enum_column<models::PaymentStatus>(s.column_text(4), "payment status");
    if (!status) return status.error();
    p.status = *status;
    if (auto reason = s.column_optional_text(5)) {
        auto parsed = enum_column<models::FailureReason>(*reason, "failure reason");
        if (!parsed) return parsed.error();
        p.failure_reason = *parsed;
    }
    auto reference = key_column(s.column_text(6));
    if (!reference) return reference.error();
    p.reference = *reference;
    if (auto wallet = s.column_optional_text(7)) {
        auto key = key_column(*wallet);
        if (!key) return key.error();
        p.buyer_wallet = *key;
    }
    p.tx_signature = s.column_optional_text(8);
    p.late = s.column_int(9) != 0;
    auto quote = json_column<PaymentQuote>(s.column_text(10), "payment quote");
    if (!quote) return quote.error();
    p.quote = std::move(*quote);
    if (auto delivery = s.column_optional_text(11)) {
        auto parsed = enum_column<models::DeliveryStatus>(*delivery, "delivery status");
        if (!parsed) return parsed.error();
        p.delivery_status = *parsed;
    }
    p.membership_id = s.column_optional_text(12);
    p.built_at = optional_time(s.column_optional_int(13));
    p.created_at = models::Timestamp{s.column_int(14)};
    p.expires_at = models::Timestamp{s.column_int(15)};
    p.confirmed_at = optional_time(s.column_optional_int(16));
    p.overpaid_minor_units = s.column_int(17);
    p.fee_outstanding_minor_units = s.column_int(18);
    p.delivery_failure = s.column_optional_text(19);
    p.delivery_override = s.column_optional_text(20);
    return p;
}

Result<std::vector<PaymentRecord>> collect_payments(Statement& stmt) {
    std::vector<PaymentRecord> out;
    for (;;) {
        auto row = stmt.step();
        if (!row) return row.error();
        if (*row == StepResult::Done) return out;
        auto payment = payment_from_row(stmt);
        if (!payment) return payment.error();
        out.push_back(std::move(*payment));
    }
}

std::string select_payments(std::string_view where) {
    return "SELECT " + std::string(kPaymentColumns) + " FROM payments " + std::string(where);
}

Status insert_payment(Database& db, const PaymentRecord& p, std::int64_t now) {
    auto stmt = db.prepare(
        "INSERT INTO payments(payment_id, merchant_id, product_id, slug, status, reference,"
        " buyer_wallet, quote, created_at, expires_at, updated_at, kind)"
        " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!stmt) return stmt.error();
    std::optional<std::string> wallet;
    if (p.buyer_wallet) wallet = p.buyer_wallet->to_base58();
    stmt->bind(1, std::string_view(p.payment_id))
        .bind(2, std::string_view(p.merchant_id))
        .bind(3, std::string_view(p.product_id))
        .bind(4, std::string_view(p.slug))
        .bind(5, to_string(p.status))
        .bind(6, p.reference.to_base58())
        .bind(7, wallet)
        .bind(8, models::dump_json(to_json(p.quote)))
        .bind(9, p.created_at.unix_seconds)
        .bind(10, p.expires_at.unix_seconds)
        .bind(11, now)
        .bind(12, p.quote.renewal ? "RENEWAL" : "CHECKOUT");
    return stmt->run();
}

}  // namespace payment_rows

namespace {

using namespace payment_rows;

Result<TransactionState> parse_state(const std::string& text) {
    for (auto state : {TransactionState::Sent, TransactionState::Landed, TransactionState::Failed,
                       TransactionState::Expired, TransactionState::Mismatch}) {
        if (to_string(state) == text) return state;
    }
    return fail(ErrorCode::Internal, "stored transaction state is unknown: " + text);
}

Result<TransactionRecord> transaction_from_row(const Statement& s) {
    TransactionRecord t;
    t.signature = s.column_text(0);
    t.payment_id = s.column_text(1);
    t.wire = s.column_blob(2);
    t.expiry_height = s.column_optional_int(3).value_or(0);
    auto state = parse_state(s.column_text(4));
    if (!state) return state.error();
    t.state = *state;
    t.error = s.column_optional_text(5);
    return t;
}

std::optional<std::string> optional_enum_text(const auto& value) {
    if (!value) return std::nullopt;
    return std::string(to_string(*value));
}


}  // namespace

// ---- sessions -----------------------------------------------------------------------------------

// Sessions start in groups: many buyers' connects share one durable commit (group_commit.h).
Status SqlitePaymentStore::create(const PaymentRecord& p, std::int64_t now) {
    return group_commit_.run([&](Database& db) -> Status {
        if (p.quote.handoff_token_id) {
            auto use = db.prepare(
                "INSERT OR IGNORE INTO handoff_uses(token_id, payment_id, used_at) VALUES(?, ?, ?)");
            if (!use) return use.error();
            use->bind(1, std::string_view(*p.quote.handoff_token_id))
                .bind(2, std::string_view(p.payment_id))
                .bind(3, now);
            HILT_TRY(use->run());
            if (db.changes() == 0) {
                return fail(ErrorCode::HandoffUsed, "this handoff link has already been used",
                            "handoff_token");
            }
        }
        return insert_payment(db, p, now);
    });
}

Result<PaymentRecord> SqlitePaymentStore::get_locked(const std::string& payment_id) {
    return get_from(db_, payment_id);
}

Result<PaymentRecord> SqlitePaymentStore::get_from(Database& db, const std::string& payment_id) {
    auto stmt = db.prepare("SELECT " + std::string(kPaymentColumns) +
                            " FROM payments WHERE payment_id = ?");
    if (!stmt) return stmt.error();
    stmt->bind(1, std::string_view(payment_id));
    auto row = stmt->step();
    if (!row) return row.error();
    if (*row != StepResult::Row) return fail(ErrorCode::NotFound, "no such payment");
    return payment_from_row(*stmt);
}

Result<PaymentRecord> SqlitePaymentStore::get(const std::string& payment_id) {
    auto reader = reads_.lease();
    return get_from(reader.db(), payment_id);
}

Result<PaymentRecord> SqlitePaymentStore::get_for_merchant(const std::string& merchant_id,
                                                           const std::string& payment_id) {
    auto payment = get(payment_id);
    if (!payment) return payment.error();
    if (payment->merchant_id != merchant_id) return fail(ErrorCode::NotFound, "no such payment");
    return payment;
}

Result<models::ListPage<PaymentRecord>> SqlitePaymentStore::list_for_product(
    const std::string& merchant_id, const std::string& product_id, const PaymentListQuery& query) {
    std::lock_guard lock(mutex_);
    auto before =
        cursor_seq(db_, "SELECT seq FROM payments WHERE payment_id = ? AND merchant_id = ?",
                   query.starting_after, merchant_id, "payment");
    if (!before) return before.error();
    auto stmt = db_.prepare("SELECT " + std::string(kPaymentColumns) +
                            " FROM payments WHERE merchant_id = ? AND product_id = ? AND seq < ?"
                            " AND (? IS NULL OR status = ?) ORDER BY seq DESC LIMIT ?");
    if (!stmt) return stmt.error();
    std::optional<std::string> status;
    if (query.status) status = std::string(to_string(*query.status));
    stmt->bind(1, std::string_view(merchant_id))
        .bind(2, std::string_view(product_id))
        .bind(3, *before)
        .bind(4, status)
        .bind(5, status)
        .bind(6, static_cast<std::int64_t>(query.limit + 1));
    auto rows = collect_payments(*stmt);
    if (!rows) return rows.error();
    models::ListPage<PaymentRecord> page;
    page.data = std::move(*rows);
    if (page.data.size() > query.limit) {
        page.data.pop_back();
        page.has_more = true;
    }
    return page;
}

Result<bool> SqlitePaymentStore::handoff_used(const std::string& token_id) {
    std::lock_guard lock(mutex_);
    auto stmt = db_.prepare("SELECT 1 FROM handoff_uses WHERE token_id = ?");
    if (!stmt) return stmt.error();
    stmt->bind(1, std::string_view(token_id));
    auto row = stmt->step();
    if (!row) return row.error();
    return *row == StepResult::Row;
}

Status SqlitePaymentStore::bind_buyer(const std::string& payment_id,
                                      const solana::PublicKey& wallet, std::int64_t now,
                                      const std::optional<models::RenewalApproval>& approval) {
    std::lock_guard lock(mutex_);
    auto stmt = db_.prepare(
        "UPDATE payments SET buyer_wallet = ?1, built_at = COALESCE(built_at, ?2), updated_at = ?2,"
        " quote = CASE WHEN ?4 IS NULL THEN quote ELSE json_set(quote, '$.approval', json(?4)) END"
        " WHERE payment_id = ?3 AND (buyer_wallet IS NULL OR buyer_wallet = ?1)");
    if (!stmt) return stmt.error();
    std::optional<std::string> approval_json;
    if (approval) approval_json = models::dump(*approval);
    stmt->bind(1, wallet.to_base58())
        .bind(2, now)
        .bind(3, std::string_view(payment_id))
        .bind(4, approval_json);
    HILT_TRY(stmt->run());
    if (db_.changes() == 0) {
        return fail(ErrorCode::Conflict,
                    "this checkout session belongs to another wallet; start a new one",
                    "buyer_wallet");
    }
    return {};
}

// ---- transactions -------------------------------------------------------------------------------

Result<BroadcastStart> SqlitePaymentStore::begin_broadcast(const std::string& payment_id,
                                                           const std::string& signature,
                                                           const Bytes& wire,
                                                           std::int64_t expiry_height,
                                                           std::int64_t now) {
    std::lock_guard lock(mutex_);
    auto tx = Transaction::begin(db_);
    if (!tx) return tx.error();
    auto started = begin_broadcast_locked(payment_id, signature, wire, expiry_height, now);
    if (!started) return started.error();
    if (*started == BroadcastStart::Started) HILT_TRY(tx->commit());
    return *started;
}

Result<BroadcastStart> SqlitePaymentStore::begin_broadcast_locked(const std::string& payment_id,
                                                                  const std::string& signature,
                                                                  const Bytes& wire,
                                                                  std::int64_t expiry_height,
                                                                  std::int64_t now) {
    auto known = db_.prepare("SELECT payment_id FROM payment_transactions WHERE signature = ?");
    if (!known) return known.error();
    known->bind(1, std::string_view(signature));
    auto row = known->step();
    if (!row) return row.error();
    if (*row == StepResult::Row) {
        if (known->column_text(0) != payment_id) {
            return fail(ErrorCode::TransactionMismatch,
                        "this transaction belongs to another payment", "signed_transaction");
        }
        return BroadcastStart::SameTransaction;
    }
    auto move = db_.prepare(
        "UPDATE payments SET status = 'PENDING_CONFIRMATION', tx_signature = ?, updated_at = ?"
        " WHERE payment_id = ? AND status = 'PENDING_SIGNATURE'");
    if (!move) return move.error();
    move->bind(1, std::string_view(signature)).bind(2, now).bind(3, std::string_view(payment_id));
    HILT_TRY(move->run());
    if (db_.changes() == 0) {
        auto current = get_locked(payment_id);
        if (!current) return current.error();
        if (current->status == models::PaymentStatus::PendingConfirmation) {
            return fail(ErrorCode::Conflict,
                        "another transaction for this payment is awaiting confirmation");
        }
        return fail(ErrorCode::Conflict,
                    "this payment is " + std::string(to_string(current->status)));
    }
    auto insert = db_.prepare(
        "INSERT INTO payment_transactions(signature, payment_id, wire, expiry_height, state,"
        " created_at, updated_at) VALUES(?, ?, ?, ?, 'SENT', ?, ?)");
    if (!insert) return insert.error();
    insert->bind(1, std::string_view(signature))
        .bind(2, std::string_view(payment_id))
        .bind_blob(3, wire)
        .bind(4, expiry_height)
        .bind(5, now)
        .bind(6, now);
    HILT_TRY(insert->run());
    return BroadcastStart::Started;
}

Status SqlitePaymentStore::abort_broadcast(const std::string& payment_id,
                                           const std::string& signature) {
    std::lock_guard lock(mutex_);
    auto tx = Transaction::begin(db_);
    if (!tx) return tx.error();
    auto remove =
        db_.prepare("DELETE FROM payment_transactions WHERE signature = ? AND state = 'SENT'");
    if (!remove) return remove.error();
    remove->bind(1, std::string_view(signature));
    HILT_TRY(remove->run());
    auto reopen = db_.prepare(
        "UPDATE payments SET status = 'PENDING_SIGNATURE', tx_signature = NULL"
        " WHERE payment_id = ? AND tx_signature = ? AND status = 'PENDING_CONFIRMATION'");
    if (!reopen) return reopen.error();
    reopen->bind(1, std::string_view(payment_id)).bind(2, std::string_view(signature));
    HILT_TRY(reopen->run());
    return tx->commit();
}

Result<PaymentRecord> SqlitePaymentStore::retire_transaction(const std::string& signature,
                                                             TransactionState state,
                                                             const std::string& error,
                                                             models::FailureReason reason_if_over,
                                                             std::int64_t now) {
    std::lock_guard lock(mutex_);
    auto tx = Transaction::begin(db_);
    if (!tx) return tx.error();
    auto mark = db_.prepare(
        "UPDATE payment_transactions SET state = ?, error = ?, updated_at = ?"
        " WHERE signature = ? AND state = 'SENT' RETURNING payment_id");
    if (!mark) return mark.error();
    mark->bind(1, to_string(state))
        .bind(2, std::string_view(error))
        .bind(3, now)
        .bind(4, std::string_view(signature));
    auto row = mark->step();
    if (!row) return row.error();
    if (*row != StepResult::Row)
        return fail(ErrorCode::Conflict, "the transaction is no longer pending");
    const auto payment_id = mark->column_text(0);
    mark->reset();
    auto payment = get_locked(payment_id);
    if (!payment) return payment.error();
    if (payment->status == models::PaymentStatus::PendingConfirmation &&
        payment->tx_signature == signature) {
        const bool over = now >= payment->expires_at.unix_seconds;
        auto reopen = db_.prepare(
            "UPDATE payments SET status = ?, failure_reason = ?, tx_signature = ?, updated_at = ?"
            " WHERE payment_id = ?");
        if (!reopen) return reopen.error();
        std::optional<std::string> reason;
        std::optional<std::string> keep_signature;
        if (over) {
            reason = std::string(to_string(reason_if_over));
            keep_signature = signature;
        }
        reopen->bind(1, over ? "FAILED" : "PENDING_SIGNATURE")
            .bind(2, reason)
            .bind(3, keep_signature)
            .bind(4, now)
            .bind(5, std::string_view(payment_id));
        HILT_TRY(reopen->run());
        payment = get_locked(payment_id);
        if (!payment) return payment.error();
        if (over) {
            HILT_TRY(add_event_locked(
                payment->merchant_id, models::EventType::PaymentFailed,
                to_json(to_api_payment(*payment, std::nullopt, models::Timestamp{now})), now));
        }
    }
    HILT_TRY(tx->commit());
    return payment;
}

Status SqlitePaymentStore::record_mismatch(const std::string& payment_id,
                                           const std::string& signature, const std::string& error,
                                           std::int64_t now) {
    std::lock_guard lock(mutex_);
    auto stmt = db_.prepare(
        "INSERT INTO payment_transactions(signature, payment_id, state, error, created_at,"
        " updated_at) VALUES(?1, ?2, 'MISMATCH', ?3, ?4, ?4)"
        " ON CONFLICT(signature) DO UPDATE SET state = 'MISMATCH', error = ?3, updated_at = ?4");
    if (!stmt) return stmt.error();
    stmt->bind(1, std::string_view(signature))
        .bind(2, std::string_view(payment_id))
        .bind(3, std::string_view(error))
        .bind(4, now);
    return stmt->run();
}

Result<std::vector<TransactionRecord>> SqlitePaymentStore::transactions_of(
    const std::string& payment_id) {
    auto reader = reads_.lease();  // a read: never behind a commit's flush
    auto stmt = reader.db().prepare(
        "SELECT signature, payment_id, wire, expiry_height, state, error FROM payment_transactions"
        " WHERE payment_id = ? ORDER BY created_at, signature");
    if (!stmt) return stmt.error();
    stmt->bind(1, std::string_view(payment_id));
    std::vector<TransactionRecord> out;
    for (;;) {
        auto row = stmt->step();
        if (!row) return row.error();
        if (*row == StepResult::Done) return out;
        auto record = transaction_from_row(*stmt);
        if (!record) return record.error();
        out.push_back(std::move(*record));
    }
}

Result<std::optional<PaymentRecord>> SqlitePaymentStore::find_by_reference(
    const solana::PublicKey& reference) {
    auto reader = reads_.lease();  // a read: never behind a commit's flush
    auto stmt = reader.db().prepare("SELECT " + std::string(kPaymentColumns) + " FROM payments WHERE reference = ?");
    if (!stmt) return stmt.error();
    stmt->bind(1, reference.to_base58());
    auto row = stmt->step();
    if (!row) return row.error();
    if (*row != StepResult::Row) return std::optional<PaymentRecord>{};
    auto payment = payment_from_row(*stmt);
    if (!payment) return payment.error();
    return std::optional<PaymentRecord>{std::move(*payment)};
}

Result<std::optional<TransactionRecord>> SqlitePaymentStore::find_transaction(
    const std::string& signature) {
    auto reader = reads_.lease();  // a read: never behind a commit's flush
    auto stmt = reader.db().prepare(
        "SELECT signature, payment_id, wire, expiry_height, state, error FROM payment_transactions"
        " WHERE signature = ?");
    if (!stmt) return stmt.error();
    stmt->bind(1, std::string_view(signature));
    auto row = stmt->step();
    if (!row) return row.error();
    if (*row != StepResult::Row) return std::optional<TransactionRecord>{};
    auto record = transaction_from_row(*stmt);
    if (!record) return record.error();
    return std::optional<TransactionRecord>{std::move(*record)};
}

// ---- watcher ------------------------------------------------------------------------------------

Result<std::vector<std::string>> SqlitePaymentStore::expire_due(std::int64_t now) {
    std::lock_guard lock(mutex_);
    auto tx = Transaction::begin(db_);
    if (!tx) return tx.error();
    auto select =
        db_.prepare("SELECT " + std::string(kPaymentColumns) +
                    " FROM payments WHERE status = 'PENDING_SIGNATURE' AND expires_at <= ?");
    if (!select) return select.error();
    select->bind(1, now);
    auto due = collect_payments(*select);
    if (!due) return due.error();
    std::vector<std::string> ended;
    for (auto& payment : *due) {
        auto update = db_.prepare(
            "UPDATE payments SET status = 'FAILED', failure_reason = 'EXPIRED', updated_at = ?"
            " WHERE payment_id = ? AND status = 'PENDING_SIGNATURE'");
        if (!update) return update.error();
        update->bind(1, now).bind(2, std::string_view(payment.payment_id));
        HILT_TRY(update->run());
        payment.status = models::PaymentStatus::Failed;
        payment.failure_reason = models::FailureReason::Expired;
        HILT_TRY(add_event_locked(
            payment.merchant_id, models::EventType::PaymentFailed,
            to_json(to_api_payment(payment, std::nullopt, models::Timestamp{now})), now));
        ended.push_back(payment.payment_id);
    }
    HILT_TRY(tx->commit());
    return ended;
}

Result<std::vector<PaymentRecord>> SqlitePaymentStore::watch_list(std::int64_t now,
                                                                  std::int64_t late_window_seconds,
                                                                  std::size_t limit) {
    auto reader = reads_.lease();  // a read: never behind a commit's flush
    auto stmt = reader.db().prepare("SELECT " + std::string(kPaymentColumns) +
                            " FROM payments WHERE kind = 'CHECKOUT' AND"
                            " (status IN ('PENDING_CONFIRMATION', 'PENDING_SIGNATURE')"
                            " OR (status = 'FAILED' AND failure_reason = 'EXPIRED' AND expires_at > ?))"
                            " ORDER BY updated_at DESC LIMIT ?");
    if (!stmt) return stmt.error();
    stmt->bind(1, now - late_window_seconds).bind(2, static_cast<std::int64_t>(limit));
    return collect_payments(*stmt);
}

// ---- confirmation -------------------------------------------------------------------------------

Status SqlitePaymentStore::add_event_locked(const std::string& merchant_id, models::EventType type,
                                            const models::Json& data, std::int64_t now) {
    auto event = insert_event(db_, merchant_id, type, data, now);
    if (!event) return event.error();
    return {};
}

Result<bool> SqlitePaymentStore::settle(const Settlement& s, const Ed25519Keypair& receipt_key) {
    std::lock_guard lock(mutex_);
    auto tx = Transaction::begin(db_);
    if (!tx) return tx.error();
    auto settled = settle_locked(s, receipt_key);
    if (!settled) return settled.error();
    if (*settled) HILT_TRY(tx->commit());
    return *settled;
}

Result<std::vector<Result<bool>>> SqlitePaymentStore::settle_all(const std::vector<Settlement>& settlements,
                                                                 const Ed25519Keypair& receipt_key) {
    std::lock_guard lock(mutex_);
    auto tx = Transaction::begin(db_);
    if (!tx) return tx.error();
    std::vector<Result<bool>> outcomes;
    outcomes.reserve(settlements.size());
    for (const auto& s : settlements) {
        // A savepoint each: a settlement that fails half-way is undone alone.
        HILT_TRY(db_.exec("SAVEPOINT settle_one"));
        auto settled = settle_locked(s, receipt_key);
        if (!settled) HILT_TRY(db_.exec("ROLLBACK TO settle_one"));
        HILT_TRY(db_.exec("RELEASE settle_one"));
        outcomes.push_back(std::move(settled));
    }
    HILT_TRY(tx->commit());
    return outcomes;
}

Result<bool> SqlitePaymentStore::settle_locked(const Settlement& s, const Ed25519Keypair& receipt_key) {
    auto payment = get_locked(s.payment_id);
    if (!payment) return payment.error();
    if (payment->status == models::PaymentStatus::Confirmed) return false;
    const auto now = s.confirmed_at;
    const auto& quote = payment->quote;

    // The transaction row: broadcast by us (SENT -> LANDED) or found on chain by its reference.
    auto landed = db_.prepare(
        "INSERT INTO payment_transactions(signature, payment_id, state, created_at, updated_at)"
        " VALUES(?1, ?2, 'LANDED', ?3, ?3)"
        " ON CONFLICT(signature) DO UPDATE SET state = 'LANDED', error = NULL, updated_at = ?3");
    if (!landed) return landed.error();
    landed->bind(1, std::string_view(s.tx_signature))
        .bind(2, std::string_view(s.payment_id))
        .bind(3, now.unix_seconds);
    HILT_TRY(landed->run());

    // Membership.
    std::optional<models::Membership> membership;
    bool renewed = false;
    std::optional<AllowanceLeft> allowance_low;
    if (quote.membership && quote.membership->enabled) {
        const auto key = member_key(*payment, s.buyer_wallet);
        auto find =
            db_.prepare("SELECT body FROM memberships WHERE product_id = ? AND member_key = ?");
        if (!find) return find.error();
        find->bind(1, std::string_view(payment->product_id)).bind(2, std::string_view(key));
        auto row = find->step();
        if (!row) return row.error();
        std::optional<models::Membership> existing;
        if (*row == StepResult::Row) {
            auto parsed = json_column<models::Membership>(find->column_text(0), "membership");
            if (!parsed) return parsed.error();
            existing = std::move(*parsed);
        }
        find->reset();
        const auto before = existing ? membership_status_at(*existing, now) : models::MembershipStatus::Expired;
        renewed = before != models::MembershipStatus::Expired && before != models::MembershipStatus::Cancelled;
        membership = next_membership(existing, *payment, s.buyer_wallet,
                                     new_id(models::kMembershipIdPrefix), now);
        if (s.subscription) membership->subscription = s.subscription;  // a first checkout's approval
        if (quote.renewal && membership->subscription) membership->subscription->last_failure.reset();
        membership->next_renewal_at.reset();
        if (membership->subscription && membership->current_period_end_at && !membership->cancellation) {
            membership->next_renewal_at = renewal_due_at(*membership->current_period_end_at);
        }
        auto write = db_.prepare(
            "INSERT INTO memberships(membership_id, merchant_id, product_id, member_key, body,"
            " created_at, updated_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?6)"
            " ON CONFLICT(product_id, member_key) DO UPDATE SET body = ?5, updated_at = ?6");
        if (!write) return write.error();
        write->bind(1, std::string_view(membership->membership_id))
            .bind(2, std::string_view(payment->merchant_id))
            .bind(3, std::string_view(payment->product_id))
            .bind(4, std::string_view(key))
            .bind(5, models::dump(*membership))
            .bind(6, now.unix_seconds);
        HILT_TRY(write->run());
        if (quote.renewal) {
            auto paid = db_.prepare(
                "UPDATE renewals SET state = 'SETTLED', lease_until = NULL, updated_at = ? WHERE payment_id = ?");
            if (!paid) return paid.error();
            paid->bind(1, now.unix_seconds).bind(2, std::string_view(s.payment_id));
            HILT_TRY(paid->run());
            if (membership->subscription && !membership->cancellation) {
                auto low = allowance_low_locked(*quote.renewal, quote.amount_minor_units);
                if (!low) return low.error();
                allowance_low = *low;
            }
        }
        if (membership->next_renewal_at) {
            HILT_TRY(schedule_renewal_locked(*membership, payment->merchant_id, now.unix_seconds));
        }
    }

    // The payment itself.
    const auto delivery = quote.delivery_type == models::DeliveryType::None
                              ? models::DeliveryStatus::NotRequired
                              : models::DeliveryStatus::Delivered;
    std::optional<std::string> membership_id;
    if (membership) membership_id = membership->membership_id;
    auto update = db_.prepare(
        "UPDATE payments SET status = 'CONFIRMED', failure_reason = NULL, tx_signature = ?,"
        " buyer_wallet = ?, late = ?, delivery_status = ?, membership_id = ?, confirmed_at = ?,"
        " updated_at = ?, overpaid_minor_units = ?, fee_outstanding_minor_units = ?"
        " WHERE payment_id = ? AND status != 'CONFIRMED'");
    if (!update) return update.error();
    update->bind(1, std::string_view(s.tx_signature))
        .bind(2, s.buyer_wallet.to_base58())
        .bind(3, std::int64_t{s.late ? 1 : 0})
        .bind(4, to_string(delivery))
        .bind(5, membership_id)
        .bind(6, now.unix_seconds)
        .bind(7, now.unix_seconds)
        .bind(8, s.overpaid_minor_units)
        .bind(9, s.fee_outstanding_minor_units)
        .bind(10, std::string_view(s.payment_id));
    HILT_TRY(update->run());
    if (db_.changes() != 1) return fail(ErrorCode::Internal, "payment changed during settlement");
    auto confirmed = get_locked(s.payment_id);
    if (!confirmed) return confirmed.error();

    // The receipt.
    const auto receipt =
        confirmation_receipt(*payment, s, new_id(models::kReceiptIdPrefix), receipt_key);
    auto write_receipt = db_.prepare(
        "INSERT INTO receipts(receipt_id, payment_id, merchant_id, body, created_at)"
        " VALUES(?, ?, ?, ?, ?)");
    if (!write_receipt) return write_receipt.error();
    write_receipt->bind(1, std::string_view(receipt.receipt_id))
        .bind(2, std::string_view(s.payment_id))
        .bind(3, std::string_view(payment->merchant_id))
        .bind(4, models::dump(receipt))
        .bind(5, now.unix_seconds);
    HILT_TRY(write_receipt->run());

    // Events, one per webhook.
    const auto& merchant = payment->merchant_id;
    HILT_TRY(add_event_locked(merchant, models::EventType::PaymentConfirmed,
                              to_json(to_api_payment(*confirmed, membership, now)),
                              now.unix_seconds));
    if (s.late) {
        // Money that arrived after the session expired: confirmed all the same, and announced as late too.
        HILT_TRY(add_event_locked(merchant, models::EventType::PaymentLate,
                                  to_json(to_api_payment(*confirmed, membership, now)),
                                  now.unix_seconds));
    }
    HILT_TRY(add_event_locked(merchant, models::EventType::ReceiptCreated, to_json(receipt),
                              now.unix_seconds));
    if (membership) {
        HILT_TRY(add_event_locked(
            merchant,
            renewed ? models::EventType::MembershipRenewed : models::EventType::MembershipActivated,
            to_json(*membership), now.unix_seconds));
    }
    if (allowance_low) {
        auto data = to_json(*membership);
        data["allowance"] = {{"delegated_minor_units", allowance_low->delegated_minor_units},
                             {"renewals_covered", allowance_low->renewals_covered}};
        HILT_TRY(add_event_locked(merchant, models::EventType::MembershipAllowanceLow, data, now.unix_seconds));
    }
    return true;
}

// What this renewal's pull left of the allowance it drew on, when that is low (allowance_low_after): the
// allowance recorded when it was sent, and what the membership's previous pull left (NULL: sent before
// migration 11, unknown).
Result<std::optional<AllowanceLeft>> SqlitePaymentStore::allowance_low_locked(const RenewalOf& renewal,
                                                                              std::int64_t price) {
    auto read = db_.prepare(
        "SELECT (SELECT allowance_available_minor_units FROM renewals"
        "  WHERE membership_id = ?1 AND period_index = ?2),"
        " (SELECT allowance_available_minor_units - amount_minor_units FROM renewals WHERE membership_id = ?1"
        "  AND period_index < ?2 AND state = 'SETTLED' ORDER BY period_index DESC LIMIT 1)");
    if (!read) return read.error();
    read->bind(1, std::string_view(renewal.membership_id)).bind(2, renewal.period_index);
    auto row = read->step();
    if (!row) return row.error();
    const auto available = read->column_optional_int(0);
    const auto left_by_previous = read->column_optional_int(1);
    read->reset();
    return allowance_low_after(available, price, left_by_previous);
}

// The next period's renewal of an AUTOMATIC membership, due at its next_renewal_at. A renewal still
// waiting for an earlier period (the member paid again by checkout meanwhile) is abandoned: that period
// is paid.
Status SqlitePaymentStore::schedule_renewal_locked(const models::Membership& membership,
                                                   const std::string& merchant_id, std::int64_t now) {
    auto abandon = db_.prepare(
        "UPDATE renewals SET state = 'ABANDONED', updated_at = ?1"
        " WHERE membership_id = ?2 AND state IN ('DUE', 'FAILED')");
    if (!abandon) return abandon.error();
    abandon->bind(1, now).bind(2, std::string_view(membership.membership_id));
    HILT_TRY(abandon->run());
    auto insert = db_.prepare(
        "INSERT INTO renewals(membership_id, period_index, merchant_id, state, amount_minor_units,"
        " due_at, next_attempt_at, created_at, updated_at)"
        " SELECT ?1, COALESCE(MAX(period_index), 0) + 1, ?2, 'DUE', ?3, ?4, ?4, ?5, ?5"
        " FROM renewals WHERE membership_id = ?1");
    if (!insert) return insert.error();
    insert->bind(1, std::string_view(membership.membership_id))
        .bind(2, std::string_view(merchant_id))
        .bind(3, membership.subscription->amount_minor_units)
        .bind(4, membership.next_renewal_at->unix_seconds)
        .bind(5, now);
    return insert->run();
}

// ---- delivery recovery --------------------------------------------------------------------------

Result<PaymentRecord> SqlitePaymentStore::update_delivery(const std::string& merchant_id,
                                                          const std::string& payment_id,
                                                          const DeliveryUpdate& update,
                                                          std::int64_t now) {
    std::lock_guard lock(mutex_);
    auto tx = Transaction::begin(db_);
    if (!tx) return tx.error();
    auto payment = get_locked(payment_id);
    if (!payment) return payment.error();
    if (payment->merchant_id != merchant_id) return fail(ErrorCode::NotFound, "no such payment");
    if (payment->status != models::PaymentStatus::Confirmed) {
        const auto shown = to_api_payment(*payment, std::nullopt, models::Timestamp{now}).status;
        return fail(ErrorCode::PaymentNotConfirmed,
                    "only a CONFIRMED payment has a delivery to recover; this one is " +
                        std::string(to_string(shown)));
    }
    if (payment->quote.delivery_type == models::DeliveryType::None) {
        return fail(ErrorCode::DeliveryNotRequired,
                    "this payment's product delivers nothing (delivery_type NONE)");
    }
    auto write = db_.prepare(
        update.value ? "UPDATE payments SET delivery_status = 'DELIVERED', delivery_override = ?1,"
                       " delivery_failure = NULL, updated_at = ?2"
                       " WHERE payment_id = ?3 AND status = 'CONFIRMED'"
                     : "UPDATE payments SET delivery_status = 'FAILED', delivery_failure = ?1,"
                       " updated_at = ?2 WHERE payment_id = ?3 AND status = 'CONFIRMED'");
    if (!write) return write.error();
    write->bind(1, update.value ? *update.value : update.failure.value_or(std::string()))
        .bind(2, now)
        .bind(3, std::string_view(payment_id));
    HILT_TRY(write->run());
    if (db_.changes() != 1) {
        return fail(ErrorCode::Internal, "payment changed during delivery update");
    }
    auto updated = get_locked(payment_id);
    if (!updated) return updated.error();
    if (!update.value) {
        // The event carries the payment as its merchant reads it, membership included.
        std::optional<models::Membership> membership;
        if (updated->membership_id) {
            auto find = db_.prepare("SELECT body FROM memberships WHERE membership_id = ?");
            if (!find) return find.error();
            find->bind(1, std::string_view(*updated->membership_id));
            auto row = find->step();
            if (!row) return row.error();
            if (*row == StepResult::Row) {
                auto parsed = json_column<models::Membership>(find->column_text(0), "membership");
                if (!parsed) return parsed.error();
                membership = std::move(*parsed);
            }
        }
        const auto view = to_api_payment(*updated, membership, models::Timestamp{now});
        HILT_TRY(
            add_event_locked(merchant_id, models::EventType::DeliveryFailed, to_json(view), now));
    }
    HILT_TRY(tx->commit());
    return updated;
}

// ---- the membership lifecycle -------------------------------------------------------------------

Result<std::size_t> SqlitePaymentStore::announce_membership_changes(std::int64_t now, std::size_t limit) {
    std::lock_guard lock(mutex_);
    auto tx = Transaction::begin(db_);
    if (!tx) return tx.error();
    // Candidates only (the indexes on the period's ends); the status itself is membership_status_at's.
    auto select = db_.prepare(
        "SELECT membership_id, merchant_id, announced_status, body FROM memberships"
        " WHERE (announced_status = 'ACTIVE' AND period_end_at <= ?1)"
        " OR (announced_status = 'GRACE' AND (grace_end_at <= ?1 OR period_end_at > ?1))"
        " OR (announced_status = 'EXPIRED' AND grace_end_at > ?1) LIMIT ?2");
    if (!select) return select.error();
    select->bind(1, now).bind(2, static_cast<std::int64_t>(limit));
    struct Moved {
        std::string membership_id;
        std::string merchant_id;
        std::string announced;
        models::Membership membership;
    };
    std::vector<Moved> moved;
    for (;;) {
        auto row = select->step();
        if (!row) return row.error();
        if (*row == StepResult::Done) break;
        auto membership = json_column<models::Membership>(select->column_text(3), "membership");
        if (!membership) return membership.error();
        moved.push_back({select->column_text(0), select->column_text(1), select->column_text(2), std::move(*membership)});
    }
    select->reset();
    std::size_t announced = 0;
    for (auto& m : moved) {
        const auto status = membership_status_at(m.membership, models::Timestamp{now});
        const std::string status_text(to_string(status));
        if (status_text == m.announced) continue;
        auto record = db_.prepare("UPDATE memberships SET announced_status = ? WHERE membership_id = ?");
        if (!record) return record.error();
        record->bind(1, std::string_view(status_text)).bind(2, std::string_view(m.membership_id));
        HILT_TRY(record->run());
        std::optional<models::EventType> type;
        if (status == models::MembershipStatus::Grace && m.announced == "ACTIVE") {
            type = models::EventType::MembershipGraceStarted;
        } else if (status == models::MembershipStatus::Expired) {
            type = models::EventType::MembershipExpired;
        }
        if (!type) continue;  // renewed (ACTIVE again) or cancelled: recorded, nothing to announce
        if (status == models::MembershipStatus::Expired) {
            // Lapsed: its renewal is no longer attempted (the period's payment expires with it).
            auto abandon = db_.prepare(
                "UPDATE renewals SET state = 'ABANDONED', lease_until = NULL, updated_at = ?1"
                " WHERE membership_id = ?2 AND state IN ('DUE', 'FAILED', 'SENDING')");
            if (!abandon) return abandon.error();
            abandon->bind(1, now).bind(2, std::string_view(m.membership_id));
            HILT_TRY(abandon->run());
            if (m.membership.next_renewal_at) {
                m.membership.next_renewal_at.reset();
                HILT_TRY(write_membership_locked(m.membership, now));
            }
        }
        const auto& end = m.membership.current_period_end_at;
        const auto& grace_end = m.membership.grace_period_end_at;
        if (status == models::MembershipStatus::Expired && m.announced == "ACTIVE" && end && grace_end &&
            *grace_end > *end) {
            // The whole grace period passed between two looks (hiltd was down, or a test clock jumped):
            // it still happened, so it is announced before the lapse.
            m.membership.status = models::MembershipStatus::Grace;
            HILT_TRY(add_event_locked(m.merchant_id, models::EventType::MembershipGraceStarted,
                                      to_json(m.membership), now));
            ++announced;
        }
        m.membership.status = status;
        HILT_TRY(add_event_locked(m.merchant_id, *type, to_json(m.membership), now));
        ++announced;
    }
    HILT_TRY(tx->commit());
    return announced;
}

// ---- post-payment reads -------------------------------------------------------------------------

Result<models::Receipt> SqlitePaymentStore::receipt_for(const std::string& merchant_id,
                                                        const std::string& payment_id) {
    std::lock_guard lock(mutex_);
    auto stmt = db_.prepare("SELECT body FROM receipts WHERE payment_id = ? AND merchant_id = ?");
    if (!stmt) return stmt.error();
    stmt->bind(1, std::string_view(payment_id)).bind(2, std::string_view(merchant_id));
    auto row = stmt->step();
    if (!row) return row.error();
    if (*row != StepResult::Row) return fail(ErrorCode::NotFound, "no receipt for this payment");
    return json_column<models::Receipt>(stmt->column_text(0), "receipt");
}

Result<models::Receipt> SqlitePaymentStore::receipt_by_id(const std::string& merchant_id,
                                                          const std::string& receipt_id) {
    std::lock_guard lock(mutex_);
    auto stmt = db_.prepare("SELECT body FROM receipts WHERE receipt_id = ? AND merchant_id = ?");
    if (!stmt) return stmt.error();
    stmt->bind(1, std::string_view(receipt_id)).bind(2, std::string_view(merchant_id));
    auto row = stmt->step();
    if (!row) return row.error();
    if (*row != StepResult::Row) return fail(ErrorCode::NotFound, "no such receipt");
    return json_column<models::Receipt>(stmt->column_text(0), "receipt");
}

Result<models::Receipt> SqlitePaymentStore::receipt(const std::string& receipt_id) {
    auto reader = reads_.lease();  // a public read: never behind a commit's flush
    auto stmt = reader.db().prepare("SELECT body FROM receipts WHERE receipt_id = ?");
    if (!stmt) return stmt.error();
    stmt->bind(1, std::string_view(receipt_id));
    auto row = stmt->step();
    if (!row) return row.error();
    if (*row != StepResult::Row) return fail(ErrorCode::NotFound, "no such receipt");
    return json_column<models::Receipt>(stmt->column_text(0), "receipt");
}

Result<models::Membership> SqlitePaymentStore::membership(const std::string& membership_id) {
    auto reader = reads_.lease();
    auto stmt = reader.db().prepare("SELECT body FROM memberships WHERE membership_id = ?");
    if (!stmt) return stmt.error();
    stmt->bind(1, std::string_view(membership_id));
    auto row = stmt->step();
    if (!row) return row.error();
    if (*row != StepResult::Row) return fail(ErrorCode::NotFound, "no such membership");
    return json_column<models::Membership>(stmt->column_text(0), "membership");
}

Result<models::Membership> SqlitePaymentStore::membership_for(const std::string& merchant_id,
                                                              const std::string& membership_id) {
    std::lock_guard lock(mutex_);
    auto stmt =
        db_.prepare("SELECT body FROM memberships WHERE membership_id = ? AND merchant_id = ?");
    if (!stmt) return stmt.error();
    stmt->bind(1, std::string_view(membership_id)).bind(2, std::string_view(merchant_id));
    auto row = stmt->step();
    if (!row) return row.error();
    if (*row != StepResult::Row) return fail(ErrorCode::NotFound, "no such membership");
    return json_column<models::Membership>(stmt->column_text(0), "membership");
}

Result<models::ListPage<models::Membership>> SqlitePaymentStore::list_memberships(
    const std::string& merchant_id, const MembershipListQuery& query) {
    std::lock_guard lock(mutex_);
    auto before =
        cursor_seq(db_, "SELECT seq FROM memberships WHERE membership_id = ? AND merchant_id = ?",
                   query.starting_after, merchant_id, "membership");
    if (!before) return before.error();
    auto stmt = db_.prepare(
        "SELECT body FROM memberships WHERE merchant_id = ? AND seq < ?"
        " AND (? IS NULL OR product_id = ?) ORDER BY seq DESC LIMIT ?");
    if (!stmt) return stmt.error();
    stmt->bind(1, std::string_view(merchant_id))
        .bind(2, *before)
        .bind(3, query.product_id)
        .bind(4, query.product_id)
        .bind(5, static_cast<std::int64_t>(query.limit + 1));
    models::ListPage<models::Membership> page;
    for (;;) {
        auto row = stmt->step();
        if (!row) return row.error();
        if (*row == StepResult::Done) break;
        auto membership = json_column<models::Membership>(stmt->column_text(0), "membership");
        if (!membership) return membership.error();
        page.data.push_back(std::move(*membership));
    }
    if (page.data.size() > query.limit) {
        page.data.pop_back();
        page.has_more = true;
    }
    return page;
}

Result<std::vector<models::Event>> SqlitePaymentStore::events_for(const std::string& merchant_id,
                                                                  std::size_t limit) {
    std::lock_guard lock(mutex_);
    auto stmt =
        db_.prepare("SELECT body FROM events WHERE merchant_id = ? ORDER BY seq DESC LIMIT ?");
    if (!stmt) return stmt.error();
    stmt->bind(1, std::string_view(merchant_id)).bind(2, static_cast<std::int64_t>(limit));
    std::vector<models::Event> out;
    for (;;) {
        auto row = stmt->step();
        if (!row) return row.error();
        if (*row == StepResult::Done) return out;
        auto event = json_column<models::Event>(stmt->column_text(0), "event");
        if (!event) return event.error();
        out.push_back(std::move(*event));
    }
}

Result<models::ListPage<models::Event>> SqlitePaymentStore::list_events(const std::string& merchant_id,
                                                                        const EventListQuery& query) {
    std::lock_guard lock(mutex_);
    auto before = cursor_seq(db_, "SELECT seq FROM events WHERE event_id = ? AND merchant_id = ?",
                             query.starting_after, merchant_id, "event");
    if (!before) return before.error();
    // One statement per form, so each reads a range of its own index (events_by_merchant_type with a type,
    // events_by_merchant without).
    auto stmt = db_.prepare(query.type ? "SELECT body FROM events WHERE merchant_id = ?1 AND type = ?3 AND seq < ?2"
                                         " ORDER BY seq DESC LIMIT ?4"
                                       : "SELECT body FROM events WHERE merchant_id = ?1 AND seq < ?2"
                                         " ORDER BY seq DESC LIMIT ?4");
    if (!stmt) return stmt.error();
    stmt->bind(1, std::string_view(merchant_id)).bind(2, *before).bind(4, static_cast<std::int64_t>(query.limit + 1));
    if (query.type) stmt->bind(3, std::string_view(to_string(*query.type)));
    models::ListPage<models::Event> page;
    for (;;) {
        auto row = stmt->step();
        if (!row) return row.error();
        if (*row == StepResult::Done) break;
        auto event = json_column<models::Event>(stmt->column_text(0), "event");
        if (!event) return event.error();
        page.data.push_back(std::move(*event));
    }
    if (page.data.size() > query.limit) {
        page.data.pop_back();
        page.has_more = true;
    }
    return page;
}

Result<models::Event> SqlitePaymentStore::event_for(const std::string& merchant_id, const std::string& event_id) {
    std::lock_guard lock(mutex_);
    auto stmt = db_.prepare("SELECT body FROM events WHERE event_id = ? AND merchant_id = ?");
    if (!stmt) return stmt.error();
    stmt->bind(1, std::string_view(event_id)).bind(2, std::string_view(merchant_id));
    auto row = stmt->step();
    if (!row) return row.error();
    if (*row != StepResult::Row) return fail(ErrorCode::NotFound, "no such event");
    return json_column<models::Event>(stmt->column_text(0), "event");
}

}  // namespace hilt::server
