// server/store/sqlite/sqlite_support_store.cpp: SQL for support cases (see sqlite_support_store.h).
#include "store/sqlite/sqlite_support_store.h"

#include "auth/api_keys.h"
#include "store/sqlite/event_rows.h"
#include "store/sqlite/rows.h"

namespace hilt::server {

namespace {

Error no_such_case() { return fail(ErrorCode::NotFound, "no such support case"); }

}  // namespace

Result<models::SupportCase> SqliteSupportStore::open_case(const std::string& payment_id,
                                                          const models::SupportCaseRequest& request,
                                                          std::int64_t now) {
    std::lock_guard lock(mutex_);
    auto tx = Transaction::begin(db_);
    if (!tx) return tx.error();
    auto payment = db_.prepare("SELECT merchant_id, product_id FROM payments WHERE payment_id = ?");
    if (!payment) return payment.error();
    payment->bind(1, std::string_view(payment_id));
    auto row = payment->step();
    if (!row) return row.error();
    if (*row != StepResult::Row) return fail(ErrorCode::NotFound, "no such payment");
    const auto merchant_id = payment->column_text(0);
    models::SupportCase opened;
    opened.case_id = new_id(models::kSupportCaseIdPrefix);
    opened.payment_id = payment_id;
    opened.product_id = payment->column_text(1);
    opened.status = models::SupportCaseStatus::Open;
    opened.message = request.message;
    opened.contact = request.contact;
    opened.created_at = models::Timestamp{now};
    payment->reset();

    auto open_now =
        db_.prepare("SELECT COUNT(*) FROM support_cases WHERE payment_id = ? AND status = 'OPEN'");
    if (!open_now) return open_now.error();
    open_now->bind(1, std::string_view(payment_id));
    auto counted = open_now->step();
    if (!counted) return counted.error();
    if (open_now->column_int(0) >= static_cast<std::int64_t>(kMaxOpenCasesPerPayment)) {
        return fail(ErrorCode::TooManyOpenCases,
                    "this payment already has " + std::to_string(kMaxOpenCasesPerPayment) +
                        " open support cases; the merchant will answer them");
    }
    open_now->reset();

    auto insert = db_.prepare(
        "INSERT INTO support_cases(case_id, merchant_id, payment_id, product_id, status, body,"
        " created_at, updated_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)");
    if (!insert) return insert.error();
    insert->bind(1, std::string_view(opened.case_id))
        .bind(2, std::string_view(merchant_id))
        .bind(3, std::string_view(payment_id))
        .bind(4, std::string_view(opened.product_id))
        .bind(5, to_string(opened.status))
        .bind(6, models::dump(opened))
        .bind(7, now);
    HILT_TRY(insert->run());
    auto event =
        insert_event(db_, merchant_id, models::EventType::SupportCaseCreated, to_json(opened), now);
    if (!event) return event.error();
    HILT_TRY(tx->commit());
    return opened;
}

Result<models::SupportCase> SqliteSupportStore::case_locked(const std::string& merchant_id,
                                                            const std::string& case_id) {
    auto stmt = db_.prepare("SELECT body FROM support_cases WHERE case_id = ? AND merchant_id = ?");
    if (!stmt) return stmt.error();
    stmt->bind(1, std::string_view(case_id)).bind(2, std::string_view(merchant_id));
    auto row = stmt->step();
    if (!row) return row.error();
    if (*row != StepResult::Row) return no_such_case();
    return rows::json_column<models::SupportCase>(stmt->column_text(0), "support case");
}

Result<models::SupportCase> SqliteSupportStore::case_for(const std::string& merchant_id,
                                                         const std::string& case_id) {
    std::lock_guard lock(mutex_);
    return case_locked(merchant_id, case_id);
}

Result<models::ListPage<models::SupportCase>> SqliteSupportStore::list_cases(
    const std::string& merchant_id, const SupportCaseListQuery& query) {
    std::lock_guard lock(mutex_);
    auto before =
        rows::cursor_seq(db_, "SELECT seq FROM support_cases WHERE case_id = ? AND merchant_id = ?",
                         query.starting_after, merchant_id, "support case");
    if (!before) return before.error();
    std::optional<std::string> status;
    if (query.status) status = std::string(to_string(*query.status));
    auto stmt = db_.prepare(
        "SELECT body FROM support_cases WHERE merchant_id = ?1 AND seq < ?2"
        " AND (?3 IS NULL OR status = ?3) AND (?4 IS NULL OR payment_id = ?4)"
        " ORDER BY seq DESC LIMIT ?5");
    if (!stmt) return stmt.error();
    stmt->bind(1, std::string_view(merchant_id))
        .bind(2, *before)
        .bind(3, status)
        .bind(4, query.payment_id)
        .bind(5, static_cast<std::int64_t>(query.limit + 1));
    models::ListPage<models::SupportCase> page;
    for (;;) {
        auto row = stmt->step();
        if (!row) return row.error();
        if (*row == StepResult::Done) break;
        auto found = rows::json_column<models::SupportCase>(stmt->column_text(0), "support case");
        if (!found) return found.error();
        page.data.push_back(std::move(*found));
    }
    if (page.data.size() > query.limit) {
        page.data.pop_back();
        page.has_more = true;
    }
    return page;
}

Result<models::SupportCase> SqliteSupportStore::close_case(
    const std::string& merchant_id, const std::string& case_id,
    const std::optional<std::string>& resolution, std::int64_t now) {
    std::lock_guard lock(mutex_);
    auto tx = Transaction::begin(db_);
    if (!tx) return tx.error();
    auto current = case_locked(merchant_id, case_id);
    if (!current) return current.error();
    if (current->status == models::SupportCaseStatus::Closed) return current;
    auto closed = *current;
    closed.status = models::SupportCaseStatus::Closed;
    closed.resolution = resolution;
    closed.closed_at = models::Timestamp{now};
    auto update = db_.prepare(
        "UPDATE support_cases SET status = 'CLOSED', body = ?, updated_at = ?"
        " WHERE case_id = ? AND merchant_id = ? AND status = 'OPEN'");
    if (!update) return update.error();
    update->bind(1, models::dump(closed))
        .bind(2, now)
        .bind(3, std::string_view(case_id))
        .bind(4, std::string_view(merchant_id));
    HILT_TRY(update->run());
    if (db_.changes() != 1) return fail(ErrorCode::Internal, "support case changed while closing");
    HILT_TRY(tx->commit());
    return closed;
}

Result<std::unordered_map<std::string, std::vector<models::SupportCaseSummary>>>
SqliteSupportStore::summaries_for_payments(const std::string& merchant_id,
                                           const std::vector<std::string>& payment_ids) {
    std::unordered_map<std::string, std::vector<models::SupportCaseSummary>> out;
    if (payment_ids.empty()) return out;
    models::Json ids = models::Json::array();
    for (const auto& id : payment_ids) ids.push_back(id);
    std::lock_guard lock(mutex_);
    // One read for the whole page, by the support_cases_by_payment index.
    auto stmt = db_.prepare(
        "SELECT payment_id, case_id, status, created_at FROM support_cases"
        " WHERE payment_id IN (SELECT value FROM json_each(?1)) AND merchant_id = ?2"
        " ORDER BY seq DESC");
    if (!stmt) return stmt.error();
    stmt->bind(1, models::dump_json(ids)).bind(2, std::string_view(merchant_id));
    for (;;) {
        auto row = stmt->step();
        if (!row) return row.error();
        if (*row == StepResult::Done) return out;
        auto status = rows::enum_column<models::SupportCaseStatus>(stmt->column_text(2),
                                                                   "support case status");
        if (!status) return status.error();
        out[stmt->column_text(0)].push_back(models::SupportCaseSummary{
            stmt->column_text(1), *status, models::Timestamp{stmt->column_int(3)}});
    }
}

}  // namespace hilt::server
