// tests/unit/server/recording_analytics_store.h: an AnalyticsStore that only records the views added to it,
// for the tests of what counts views (analytics/view_counter.h and the view report readers).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "store/analytics_store.h"

namespace hilt::server {

class RecordingAnalyticsStore final : public AnalyticsStore {
public:
    Status add_views(const std::vector<ViewCount>& counts) override {
        std::lock_guard lock(mutex_);
        for (const auto& count : counts) views_[count.product_id] += count.views;
        return {};
    }
    Result<models::ProductAnalytics> product_analytics(const std::string&, const std::string&,
                                                       const AnalyticsWindow&,
                                                       std::int64_t) override {
        return fail(ErrorCode::Internal, "not in this test");
    }
    std::map<std::string, std::int64_t> views() {
        std::lock_guard lock(mutex_);
        return views_;
    }

private:
    std::mutex mutex_;
    std::map<std::string, std::int64_t> views_;
};

}  // namespace hilt::server
