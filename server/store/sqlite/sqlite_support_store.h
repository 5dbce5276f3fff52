// server/store/sqlite/sqlite_support_store.h: SupportStore on SQLite (table support_cases,
// migration 7; the case's event goes to events and webhook_deliveries through event_rows.h).
// Must never: run SQL without holding the shared connection's mutex.
#pragma once

#include <mutex>

#include "store/sqlite/database.h"
#include "store/support_store.h"

namespace hilt::server {

class SqliteSupportStore final : public SupportStore {
public:
    // The store shares one connection with the rest of hiltd; `mutex` serialises access to it.
    SqliteSupportStore(Database& db, std::mutex& mutex) : db_(db), mutex_(mutex) {}

    [[nodiscard]] Result<models::SupportCase> open_case(const std::string& payment_id,
                                                        const models::SupportCaseRequest& request,
                                                        std::int64_t now) override;
    [[nodiscard]] Result<models::SupportCase> case_for(const std::string& merchant_id,
                                                       const std::string& case_id) override;
    [[nodiscard]] Result<models::ListPage<models::SupportCase>> list_cases(
        const std::string& merchant_id, const SupportCaseListQuery& query) override;
    [[nodiscard]] Result<models::SupportCase> close_case(
        const std::string& merchant_id, const std::string& case_id,
        const std::optional<std::string>& resolution, std::int64_t now) override;
    [[nodiscard]] Result<std::unordered_map<std::string, std::vector<models::SupportCaseSummary>>>
    summaries_for_payments(const std::string& merchant_id,
                           const std::vector<std::string>& payment_ids) override;

private:
    [[nodiscard]] Result<models::SupportCase> case_locked(const std::string& merchant_id,
                                                          const std::string& case_id);
    Database& db_;
    std::mutex& mutex_;
};

}  // namespace hilt::server
