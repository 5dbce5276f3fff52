// server/store/sqlite/sqlite_analytics_store.h: AnalyticsStore on SQLite. Reads tables payments,
// payment_transactions, product_views, memberships, events and support_cases; writes only
// product_views.
// Must never: run SQL on the shared writer connection without holding its mutex, or write through a
// read connection.
#pragma once

#include <mutex>

#include "store/analytics_store.h"
#include "store/sqlite/database.h"
#include "store/sqlite/read_pool.h"

namespace hilt::server {

class SqliteAnalyticsStore final : public AnalyticsStore {
public:
    // The store shares one connection with the rest of hiltd; `mutex` serialises access to it. The
    // analytics read uses `reads` (one snapshot, never behind a commit's flush).
    SqliteAnalyticsStore(Database& db, std::mutex& mutex, ReadPool& reads)
        : db_(db), mutex_(mutex), reads_(reads) {}

    [[nodiscard]] Status add_views(const std::vector<ViewCount>& counts) override;
    [[nodiscard]] Result<models::ProductAnalytics> product_analytics(const std::string& merchant_id,
                                                                     const std::string& product_id,
                                                                     const AnalyticsWindow& window,
                                                                     std::int64_t now) override;

private:
    Database& db_;
    std::mutex& mutex_;
    ReadPool& reads_;
};

}  // namespace hilt::server
