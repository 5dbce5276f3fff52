// server/store/sqlite/sqlite_renewals.cpp: SQL for subscription renewals (the renewals table, migrations 10
// and 11): claiming due periods for the renewal worker, recording sent and failed attempts, and the renewals
// in flight.
// Settling a renewal is SqlitePaymentStore::settle's (sqlite_payment_store.cpp), like any payment.
#include "auth/api_keys.h"
#include "store/sqlite/event_rows.h"
#include "store/sqlite/payment_rows.h"
#include "store/sqlite/rows.h"
#include "store/sqlite/sqlite_payment_store.h"

namespace hilt::server {

namespace {

// A claimable row: due (DUE, or FAILED whose retry time came) or a lapsed lease with nothing in flight, of a
// membership not cancelled and still short of its grace period's end (after it, the lifecycle announcer
// abandons the row).
constexpr std::string_view kClaimableRenewals = R"sql(
SELECT r.membership_id, r.period_index, r.merchant_id, r.payment_id, r.attempts, r.last_failure, m.body,
       r.next_attempt_at
FROM renewals r JOIN memberships m ON m.membership_id = r.membership_id
WHERE r.state IN ('DUE', 'FAILED') AND r.next_attempt_at <= ?1 AND m.grace_end_at > ?1
  AND json_extract(m.body, '$.cancellation') IS NULL
UNION ALL
SELECT r.membership_id, r.period_index, r.merchant_id, r.payment_id, r.attempts, r.last_failure, m.body,
       r.next_attempt_at
FROM renewals r JOIN memberships m ON m.membership_id = r.membership_id
WHERE r.state = 'SENDING' AND r.lease_until <= ?1 AND m.grace_end_at > ?1
  AND json_extract(m.body, '$.cancellation') IS NULL
  AND NOT EXISTS (SELECT 1 FROM payments p
                  WHERE p.payment_id = r.payment_id AND p.status = 'PENDING_CONFIRMATION')
ORDER BY 8 LIMIT ?2
)sql";

// A membership by id, with its merchant; not_found when unknown.
Result<std::pair<std::string, models::Membership>> read_membership(Database& db, const std::string& membership_id) {
    auto find = db.prepare("SELECT merchant_id, body FROM memberships WHERE membership_id = ?");
    if (!find) return find.error();
    find->bind(1, std::string_view(membership_id));
    auto row = find->step();
    if (!row) return row.error();
    if (*row != StepResult::Row) return fail(ErrorCode::NotFound, "no such membership");
    auto membership = rows::json_column<models::Membership>(find->column_text(1), "membership");
    if (!membership) return membership.error();
    return std::pair{find->column_text(0), std::move(*membership)};
}

}  // namespace

Result<std::vector<RenewalClaim>> SqlitePaymentStore::claim_renewals(std::int64_t now,
                                                                     std::int64_t lease_seconds,
                                                                     std::size_t limit) {
    std::lock_guard lock(mutex_);
    auto tx = Transaction::begin(db_);
    if (!tx) return tx.error();
    auto select = db_.prepare(kClaimableRenewals);
    if (!select) return select.error();
    select->bind(1, now).bind(2, static_cast<std::int64_t>(limit));
    struct Row {
        RenewalClaim claim;
        std::string merchant_id;
        std::optional<std::string> payment_id;
    };
    std::vector<Row> due;
    for (;;) {
        auto row = select->step();
        if (!row) return row.error();
        if (*row == StepResult::Done) break;
        Row r;
        r.claim.membership_id = select->column_text(0);
        r.claim.period_index = select->column_int(1);
        r.merchant_id = select->column_text(2);
        r.payment_id = select->column_optional_text(3);
        r.claim.attempt = select->column_int(4) + 1;
        r.claim.failed_before = !select->column_is_null(5);
        auto membership = rows::json_column<models::Membership>(select->column_text(6), "membership");
        if (!membership) return membership.error();
        r.claim.membership = std::move(*membership);
        due.push_back(std::move(r));
    }
    select->reset();
    std::vector<RenewalClaim> claimed;
    claimed.reserve(due.size());
    for (auto& r : due) {
        auto claim = claim_one_locked(std::move(r.claim), r.merchant_id, r.payment_id, now, lease_seconds);
        if (!claim) return claim.error();
        claimed.push_back(std::move(*claim));
    }
    HILT_TRY(tx->commit());
    return claimed;
}

// Leases one row, creating the period's payment at its first claim.
Result<RenewalClaim> SqlitePaymentStore::claim_one_locked(RenewalClaim claim, const std::string& merchant_id,
                                                          std::optional<std::string> payment_id,
                                                          std::int64_t now, std::int64_t lease_seconds) {
    const auto& membership = claim.membership;
    if (payment_id) {
        auto payment = get_locked(*payment_id);
        if (!payment) return payment.error();
        claim.payment = std::move(*payment);
    } else {
        if (!membership.last_payment_id || !membership.buyer_wallet || !membership.grace_period_end_at) {
            return fail(ErrorCode::Internal, "membership " + membership.membership_id +
                                                 " has no paid period to renew");
        }
        auto last = get_locked(*membership.last_payment_id);
        if (!last) return last.error();
        PaymentRecord& p = claim.payment;
        p.payment_id = new_id(models::kPaymentIdPrefix);
        p.merchant_id = merchant_id;
        p.product_id = membership.product_id;
        p.slug = last->slug;
        p.reference = solana::PublicKey::from_bytes(ed25519_keypair_random().public_key);
        p.buyer_wallet = membership.buyer_wallet;
        p.quote = last->quote;  // the price and fee the buyer subscribed at
        p.quote.approval.reset();
        p.quote.handoff_token_id.reset();
        p.quote.route.reset();
        p.quote.renewal = RenewalOf{claim.membership_id, claim.period_index};
        p.created_at = models::Timestamp{now};
        p.expires_at = *membership.grace_period_end_at;
        HILT_TRY(payment_rows::insert_payment(db_, p, now));
        payment_id = p.payment_id;
    }
    auto lease = db_.prepare(
        "UPDATE renewals SET state = 'SENDING', payment_id = ?1, lease_until = ?2, attempts = attempts + 1,"
        " updated_at = ?3 WHERE membership_id = ?4 AND period_index = ?5");
    if (!lease) return lease.error();
    lease->bind(1, std::string_view(*payment_id))
        .bind(2, now + lease_seconds)
        .bind(3, now)
        .bind(4, std::string_view(claim.membership_id))
        .bind(5, claim.period_index);
    HILT_TRY(lease->run());
    return claim;
}

Result<BroadcastStart> SqlitePaymentStore::begin_renewal_broadcast(const RenewalClaim& claim,
                                                                   const std::string& signature,
                                                                   const Bytes& wire, std::int64_t expiry_height,
                                                                   std::int64_t allowance_minor_units,
                                                                   std::int64_t now) {
    std::lock_guard lock(mutex_);
    auto tx = Transaction::begin(db_);
    if (!tx) return tx.error();
    auto started = begin_broadcast_locked(claim.payment.payment_id, signature, wire, expiry_height, now);
    if (!started) return started.error();
    if (*started != BroadcastStart::Started) return *started;
    auto record = db_.prepare(
        "UPDATE renewals SET allowance_available_minor_units = ?1, updated_at = ?2"
        " WHERE membership_id = ?3 AND period_index = ?4");
    if (!record) return record.error();
    record->bind(1, allowance_minor_units)
        .bind(2, now)
        .bind(3, std::string_view(claim.membership_id))
        .bind(4, claim.period_index);
    HILT_TRY(record->run());
    HILT_TRY(tx->commit());
    return *started;
}

Status SqlitePaymentStore::record_renewal_failure(const RenewalClaim& claim, models::RenewalFailureReason reason,
                                                  std::optional<models::Timestamp> next_attempt_at,
                                                  std::int64_t now) {
    std::lock_guard lock(mutex_);
    auto tx = Transaction::begin(db_);
    if (!tx) return tx.error();
    const auto retry_at = next_attempt_at ? next_attempt_at->unix_seconds
                                          : claim.membership.grace_period_end_at.value_or(models::Timestamp{now}).unix_seconds;
    auto mark = db_.prepare(
        "UPDATE renewals SET state = 'FAILED', next_attempt_at = ?1, last_failure = ?2, lease_until = NULL,"
        " updated_at = ?3 WHERE membership_id = ?4 AND period_index = ?5 AND state = 'SENDING'");
    if (!mark) return mark.error();
    mark->bind(1, retry_at)
        .bind(2, to_string(reason))
        .bind(3, now)
        .bind(4, std::string_view(claim.membership_id))
        .bind(5, claim.period_index);
    HILT_TRY(mark->run());
    if (db_.changes() == 0) return fail(ErrorCode::Conflict, "the renewal is no longer claimed");

    // The membership as stored now (a settlement may have written it since the claim read it).
    auto found = read_membership(db_, claim.membership_id);
    if (!found) return found.error();
    const auto& merchant_id = found->first;
    auto* membership = &found->second;
    if (membership->subscription) {
        membership->subscription->last_failure =
            models::RenewalFailure{reason, models::Timestamp{now}, claim.attempt, next_attempt_at};
    }
    membership->next_renewal_at = next_attempt_at;
    membership->updated_at = models::Timestamp{now};
    HILT_TRY(write_membership_locked(*membership, now));
    if (!claim.failed_before) {
        membership->status = membership_status_at(*membership, models::Timestamp{now});
        HILT_TRY(add_event_locked(merchant_id, models::EventType::MembershipRenewalFailed, to_json(*membership),
                                  now));
    }
    return tx->commit();
}

Status SqlitePaymentStore::write_membership_locked(const models::Membership& membership, std::int64_t now) {
    auto write = db_.prepare("UPDATE memberships SET body = ?, updated_at = ? WHERE membership_id = ?");
    if (!write) return write.error();
    write->bind(1, models::dump(membership)).bind(2, now).bind(3, std::string_view(membership.membership_id));
    return write->run();
}

Result<models::Membership> SqlitePaymentStore::cancel_membership(const std::string& merchant_id,
                                                                 const std::string& membership_id,
                                                                 models::CancellationSource source,
                                                                 bool at_period_end, std::int64_t now) {
    std::lock_guard lock(mutex_);
    auto tx = Transaction::begin(db_);
    if (!tx) return tx.error();
    auto found = read_membership(db_, membership_id);
    if (!found) return found.error();
    if (found->first != merchant_id) return fail(ErrorCode::NotFound, "no such membership");
    const auto* membership = &found->second;
    if (membership->cancellation) return *membership;  // already cancelled: as it is
    const models::Timestamp t{now};
    auto cancelled = cancelled_membership(*membership, source, at_period_end, t);
    if (!cancelled) {
        return fail(ErrorCode::Conflict, "this membership has lapsed (EXPIRED); there is nothing to cancel");
    }
    HILT_TRY(write_membership_locked(*cancelled, now));
    // The period's renewal is not attempted any more, unless its pull is already in flight.
    auto abandon = db_.prepare(
        "UPDATE renewals SET state = 'ABANDONED', lease_until = NULL, updated_at = ?1"
        " WHERE membership_id = ?2 AND (state IN ('DUE', 'FAILED') OR (state = 'SENDING' AND NOT EXISTS"
        " (SELECT 1 FROM payments p WHERE p.payment_id = renewals.payment_id"
        " AND p.status = 'PENDING_CONFIRMATION')))");
    if (!abandon) return abandon.error();
    abandon->bind(1, now).bind(2, std::string_view(membership_id));
    HILT_TRY(abandon->run());
    HILT_TRY(add_event_locked(merchant_id, models::EventType::MembershipCancelled, to_json(*cancelled), now));
    HILT_TRY(tx->commit());
    return *cancelled;
}

Result<std::pair<std::string, models::Membership>> SqlitePaymentStore::find_membership(
    const std::string& membership_id) {
    auto reader = reads_.lease();
    return read_membership(reader.db(), membership_id);
}

Result<std::vector<models::Membership>> SqlitePaymentStore::memberships_on_token_account(
    const solana::PublicKey& token_account) {
    auto reader = reads_.lease();
    auto find = reader.db().prepare("SELECT body FROM memberships WHERE token_account = ?");
    if (!find) return find.error();
    find->bind(1, token_account.to_base58());
    std::vector<models::Membership> out;
    for (;;) {
        auto row = find->step();
        if (!row) return row.error();
        if (*row == StepResult::Done) return out;
        auto membership = rows::json_column<models::Membership>(find->column_text(0), "membership");
        if (!membership) return membership.error();
        out.push_back(std::move(*membership));
    }
}

Result<models::Membership> SqlitePaymentStore::record_reapproval(const std::string& membership_id,
                                                                 std::int64_t allowance_minor_units,
                                                                 std::int64_t periods, std::int64_t retry_at,
                                                                 std::int64_t now) {
    std::lock_guard lock(mutex_);
    auto tx = Transaction::begin(db_);
    if (!tx) return tx.error();
    auto found = read_membership(db_, membership_id);
    if (!found) return found.error();
    auto* membership = &found->second;
    if (!membership->subscription) return fail(ErrorCode::Conflict, "this membership does not renew automatically");
    auto& sub = *membership->subscription;
    sub.approved = true;
    sub.allowance_minor_units = allowance_minor_units;
    sub.allowance_periods = periods;
    auto retry = db_.prepare(
        "UPDATE renewals SET next_attempt_at = MIN(next_attempt_at, ?1), updated_at = ?2"
        " WHERE membership_id = ?3 AND state = 'FAILED' RETURNING next_attempt_at");
    if (!retry) return retry.error();
    retry->bind(1, retry_at).bind(2, now).bind(3, std::string_view(membership_id));
    auto retried = retry->step();
    if (!retried) return retried.error();
    if (*retried == StepResult::Row) {
        membership->next_renewal_at = models::Timestamp{retry->column_int(0)};
        if (sub.last_failure) sub.last_failure->next_attempt_at = membership->next_renewal_at;
    }
    retry->reset();
    membership->updated_at = models::Timestamp{now};
    HILT_TRY(write_membership_locked(*membership, now));
    HILT_TRY(tx->commit());
    return *membership;
}

Result<std::vector<PaymentRecord>> SqlitePaymentStore::renewals_in_flight(std::size_t limit) {
    auto reader = reads_.lease();  // a read: never behind a commit's flush
    auto stmt = reader.db().prepare(payment_rows::select_payments(
        "WHERE kind = 'RENEWAL' AND status = 'PENDING_CONFIRMATION' ORDER BY updated_at LIMIT ?"));
    if (!stmt) return stmt.error();
    stmt->bind(1, static_cast<std::int64_t>(limit));
    return payment_rows::collect_payments(*stmt);
}

}  // namespace hilt::server
