// server/store/sqlite/sqlite_analytics_store.cpp: SQL for payload-view counts and a product's analytics.
#include "store/sqlite/sqlite_analytics_store.h"

#include <algorithm>

#include "store/payment_store.h"

namespace hilt::server {

namespace {

// Runs a query expected to answer exactly one row and hands it to `read`.
template <typename Read>
Status one_row(Statement& stmt, Read&& read) {
    auto row = stmt.step();
    if (!row) return row.error();
    if (*row != StepResult::Row) return fail(ErrorCode::Internal, "an aggregate query answered no row");
    read(stmt);
    return {};
}

Status read_funnel(Database& db, const std::string& product_id, std::int64_t from, std::int64_t to,
                   std::int64_t now, models::AnalyticsFunnel& out) {
    // The cohort of sessions started in the window and the furthest each got. A session still
    // PENDING_SIGNATURE past expires_at reads FAILED / EXPIRED, as the API shows it.
    auto stmt = db.prepare(
        "SELECT COUNT(*), COUNT(built_at),"
        " COALESCE(SUM(EXISTS (SELECT 1 FROM payment_transactions t WHERE t.payment_id = p.payment_id"
        "  AND t.state != 'MISMATCH')), 0),"
        " COALESCE(SUM(status = 'CONFIRMED'), 0),"
        " COALESCE(SUM(status = 'FAILED' AND COALESCE(failure_reason, '') != 'EXPIRED'), 0),"
        " COALESCE(SUM((status = 'FAILED' AND failure_reason = 'EXPIRED')"
        "  OR (status = 'PENDING_SIGNATURE' AND expires_at <= ?4)), 0),"
        " COALESCE(SUM(status = 'PENDING_CONFIRMATION'"
        "  OR (status = 'PENDING_SIGNATURE' AND expires_at > ?4)), 0)"
        " FROM payments p WHERE product_id = ?1 AND created_at BETWEEN ?2 AND ?3");
    if (!stmt) return stmt.error();
    stmt->bind(1, std::string_view(product_id)).bind(2, from).bind(3, to).bind(4, now);
    HILT_TRY(one_row(*stmt, [&](const Statement& s) {
        out.sessions_started = s.column_int(0);
        out.transactions_built = s.column_int(1);
        out.broadcasts = s.column_int(2);
        out.confirmed = s.column_int(3);
        out.failed = s.column_int(4);
        out.expired = s.column_int(5);
        out.pending = s.column_int(6);
    }));

    auto views = db.prepare(
        "SELECT COALESCE(SUM(views), 0) FROM product_views WHERE product_id = ?1 AND hour BETWEEN ?2 AND ?3");
    if (!views) return views.error();
    views->bind(1, std::string_view(product_id))
        .bind(2, from / kSecondsPerViewBucket)
        .bind(3, to / kSecondsPerViewBucket);
    HILT_TRY(one_row(*views, [&](const Statement& s) { out.payload_views = s.column_int(0); }));

    out.conversion = models::scaled_rate(out.confirmed, out.sessions_started);
    out.view_to_payment = models::scaled_rate(out.confirmed, out.payload_views);
    return {};
}

Status read_revenue(Database& db, const std::string& product_id, std::int64_t from, std::int64_t to,
                    std::vector<models::AnalyticsRevenue>& out) {
    // Per asset, from each payment's frozen quote. SQLite sums integers exactly and fails on overflow
    // instead of rounding.
    auto stmt = db.prepare(
        "SELECT json_extract(quote, '$.token_mint') AS mint, MAX(json_extract(quote, '$.asset_symbol')),"
        " MAX(json_extract(quote, '$.decimals')), COUNT(*),"
        " SUM(json_extract(quote, '$.amount_minor_units') + overpaid_minor_units),"
        " SUM(json_extract(quote, '$.fee_minor_units')), SUM(fee_outstanding_minor_units),"
        " SUM(overpaid_minor_units)"
        " FROM payments WHERE product_id = ?1 AND status = 'CONFIRMED' AND confirmed_at BETWEEN ?2 AND ?3"
        " GROUP BY mint ORDER BY mint");
    if (!stmt) return stmt.error();
    stmt->bind(1, std::string_view(product_id)).bind(2, from).bind(3, to);
    for (;;) {
        auto row = stmt->step();
        if (!row) return row.error();
        if (*row == StepResult::Done) return {};
        models::AnalyticsRevenue r;
        auto mint = solana::PublicKey::parse(stmt->column_text(0));
        if (!mint) return fail(ErrorCode::Internal, "a stored quote's token_mint does not parse");
        r.token_mint = *mint;
        r.asset_symbol = stmt->column_text(1);
        r.decimals = static_cast<std::uint8_t>(std::clamp<std::int64_t>(stmt->column_int(2), 0, 255));
        r.payments = stmt->column_int(3);
        r.gross_minor_units = stmt->column_int(4);
        r.fees_minor_units = stmt->column_int(5);
        r.net_minor_units = r.gross_minor_units - r.fees_minor_units;
        r.fee_outstanding_minor_units = stmt->column_int(6);
        r.overpaid_minor_units = stmt->column_int(7);
        out.push_back(std::move(r));
    }
}

Status read_delivery(Database& db, const std::string& product_id, std::int64_t from, std::int64_t to,
                     models::AnalyticsDelivery& out) {
    auto stmt = db.prepare(
        "SELECT COALESCE(SUM(delivery_status = 'DELIVERED'), 0), COALESCE(SUM(delivery_status = 'FAILED'), 0),"
        " COALESCE(SUM(delivery_status = 'PENDING'), 0), COALESCE(SUM(delivery_status = 'NOT_REQUIRED'), 0)"
        " FROM payments WHERE product_id = ?1 AND status = 'CONFIRMED' AND confirmed_at BETWEEN ?2 AND ?3");
    if (!stmt) return stmt.error();
    stmt->bind(1, std::string_view(product_id)).bind(2, from).bind(3, to);
    return one_row(*stmt, [&](const Statement& s) {
        out.delivered = s.column_int(0);
        out.failed = s.column_int(1);
        out.pending = s.column_int(2);
        out.not_required = s.column_int(3);
    });
}

Status read_renewal(Database& db, const std::string& merchant_id, const std::string& product_id,
                    std::int64_t from, std::int64_t to, std::int64_t now, models::AnalyticsRenewal& out) {
    // Each membership's status at the window's end (now at the latest), from its stored period: a
    // membership renewed after `to` reads with its later period end.
    const models::Timestamp at{std::min(to, now)};
    auto stmt = db.prepare(
        "SELECT body FROM memberships WHERE product_id = ?1 AND merchant_id = ?2 AND created_at <= ?3");
    if (!stmt) return stmt.error();
    stmt->bind(1, std::string_view(product_id)).bind(2, std::string_view(merchant_id)).bind(3, to);
    for (;;) {
        auto row = stmt->step();
        if (!row) return row.error();
        if (*row == StepResult::Done) break;
        auto membership = models::parse<models::Membership>(stmt->column_text(0));
        if (!membership) {
            return fail(ErrorCode::Internal, "stored membership does not parse: " + describe(membership.error()));
        }
        switch (membership_status_at(*membership, at)) {
            case models::MembershipStatus::Active:
                ++out.active;
                break;
            case models::MembershipStatus::Grace:
                ++out.in_grace;
                break;
            case models::MembershipStatus::Expired:
            case models::MembershipStatus::Cancelled:
                ++out.lapsed;
                break;
        }
    }
    // Renewals: the membership.renewed events (written with the settlement that renewed) in the window.
    auto renewed = db.prepare(
        "SELECT COUNT(*) FROM events WHERE merchant_id = ?1 AND type = 'membership.renewed'"
        " AND created_at BETWEEN ?2 AND ?3 AND json_extract(body, '$.data.product_id') = ?4");
    if (!renewed) return renewed.error();
    renewed->bind(1, std::string_view(merchant_id)).bind(2, from).bind(3, to).bind(4, std::string_view(product_id));
    return one_row(*renewed, [&](const Statement& s) { out.renewed = s.column_int(0); });
}

Status read_support(Database& db, const std::string& merchant_id, const std::string& product_id,
                    std::int64_t from, std::int64_t to, models::AnalyticsSupport& out) {
    auto stmt = db.prepare(
        "SELECT COALESCE(SUM(created_at BETWEEN ?3 AND ?4), 0), COALESCE(SUM(status = 'OPEN'), 0)"
        " FROM support_cases WHERE product_id = ?1 AND merchant_id = ?2");
    if (!stmt) return stmt.error();
    stmt->bind(1, std::string_view(product_id)).bind(2, std::string_view(merchant_id)).bind(3, from).bind(4, to);
    return one_row(*stmt, [&](const Statement& s) {
        out.cases_opened = s.column_int(0);
        out.open_now = s.column_int(1);
    });
}

}  // namespace

Status SqliteAnalyticsStore::add_views(const std::vector<ViewCount>& counts) {
    if (counts.empty()) return {};
    std::lock_guard lock(mutex_);
    auto tx = Transaction::begin(db_);
    if (!tx) return tx.error();
    for (const auto& count : counts) {
        auto stmt = db_.prepare(
            "INSERT INTO product_views(product_id, hour, views) VALUES(?1, ?2, ?3)"
            " ON CONFLICT(product_id, hour) DO UPDATE SET views = views + excluded.views");
        if (!stmt) return stmt.error();
        stmt->bind(1, std::string_view(count.product_id)).bind(2, count.hour).bind(3, count.views);
        HILT_TRY(stmt->run());
    }
    return tx->commit();
}

Result<models::ProductAnalytics> SqliteAnalyticsStore::product_analytics(const std::string& merchant_id,
                                                                         const std::string& product_id,
                                                                         const AnalyticsWindow& window,
                                                                         std::int64_t now) {
    auto reader = reads_.lease();  // a read: never behind a commit's flush
    auto& db = reader.db();
    ReadSnapshot snapshot(db);
    HILT_TRY(snapshot.begin());

    auto owner = db.prepare("SELECT 1 FROM products WHERE product_id = ?1 AND merchant_id = ?2");
    if (!owner) return owner.error();
    owner->bind(1, std::string_view(product_id)).bind(2, std::string_view(merchant_id));
    auto row = owner->step();
    if (!row) return row.error();
    if (*row != StepResult::Row) return fail(ErrorCode::NotFound, "no such product");

    models::ProductAnalytics out;
    out.product_id = product_id;
    if (window.from) out.from = models::Timestamp{*window.from};
    out.to = models::Timestamp{window.to};
    const auto from = window.from.value_or(0);  // nothing in Hilt predates Unix time
    HILT_TRY(read_funnel(db, product_id, from, window.to, now, out.funnel));
    HILT_TRY(read_revenue(db, product_id, from, window.to, out.revenue));
    HILT_TRY(read_renewal(db, merchant_id, product_id, from, window.to, now, out.renewal));
    HILT_TRY(read_delivery(db, product_id, from, window.to, out.delivery));
    HILT_TRY(read_support(db, merchant_id, product_id, from, window.to, out.support));
    return out;
}

}  // namespace hilt::server
