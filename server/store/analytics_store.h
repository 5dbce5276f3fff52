// server/store/analytics_store.h: what a product's analytics are computed from, and the payload-view
// counts the server flushes into storage.
//
// Owns: the AnalyticsStore interface a storage backend implements (SQLite:
// store/sqlite/sqlite_analytics_store.h): adding counted payload views, and the one read that answers
// GET /v1/products/{product_id}/analytics.
// Must never (any backend): let one merchant read another's product (not_found, as for an unknown
// one), or count money in floating point. This header holds no SQL and no backend's types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "models/analytics.h"

namespace hilt::server {

inline constexpr std::int64_t kSecondsPerViewBucket = 3600;  // views are kept per product and hour

// Views of one product's public payload in one hour (unix seconds / kSecondsPerViewBucket).
struct ViewCount {
    std::string product_id;
    std::int64_t hour = 0;
    std::int64_t views = 0;

    friend bool operator==(const ViewCount&, const ViewCount&) = default;
};

// Both ends inclusive, in unix seconds. Views count per hour: every hour the window touches counts whole.
struct AnalyticsWindow {
    std::optional<std::int64_t> from;  // absent: since the beginning
    std::int64_t to = 0;
};

class AnalyticsStore {
public:
    virtual ~AnalyticsStore() = default;

    // Adds the counts to what is stored, all of them or none (one store transaction).
    [[nodiscard]] virtual Status add_views(const std::vector<ViewCount>& counts) = 0;
    // The product's analytics over `window`, statuses read at `now` (memberships at min(to, now)).
    // not_found for another merchant's product, as for one that does not exist.
    [[nodiscard]] virtual Result<models::ProductAnalytics> product_analytics(
        const std::string& merchant_id, const std::string& product_id, const AnalyticsWindow& window,
        std::int64_t now) = 0;
};

}  // namespace hilt::server
