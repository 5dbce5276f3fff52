// server/analytics/view_counter.h: counts public payload views in memory and flushes them to the
// analytics store.
//
// Owns: the per-(product, hour) counts the payload route adds to on every answer it serves (200 and
// 304), and the background flusher that moves them into storage about once a second.
//  - count() is the hot path: one short lock of one of kViewCounterShards shards (picked by the product
//    id's hash), no allocation once the product's hour is in the shard, never storage.
//  - flush() moves everything counted so far into the store in one transaction; on failure the counts go
//    back, so nothing is lost. One flush at a time: a flush that returns has stored every count added
//    before it was called (the analytics route flushes before it reads, so its numbers are exact).
//  - stop_flusher() joins the thread and flushes once more: App::stop calls it after the HTTP server has
//    stopped and before the stores close, so a clean stop loses no view.
// Must never: touch storage from count(), or drop counts when a flush fails.
#pragma once

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>

#include "core/result.h"
#include "store/analytics_store.h"

namespace hilt::server {

// Independent locks for the counts: payload GETs on different products rarely wait on each other.
inline constexpr std::size_t kViewCounterShards = 16;
// How often counted views reach storage: what a crash (not a clean stop) may lose, and how stale the table
// is between analytics reads (which flush first anyway).
inline constexpr std::chrono::milliseconds kViewFlushInterval{1000};

class ViewCounter {
public:
    explicit ViewCounter(AnalyticsStore& store) : store_(store) {}
    ~ViewCounter();
    ViewCounter(const ViewCounter&) = delete;
    ViewCounter& operator=(const ViewCounter&) = delete;

    // One view of `product_id`'s payload at `unix_seconds`.
    void count(std::string_view product_id, std::int64_t unix_seconds);
    // Stores every count added before the call; on failure they stay counted for the next flush.
    [[nodiscard]] Status flush();
    // Flushes every `interval` on a background thread until stop_flusher().
    void start_flusher(std::chrono::milliseconds interval);
    // Stops the thread (if running) and flushes what is left.
    [[nodiscard]] Status stop_flusher();

private:
    struct StringHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
    };
    using HourCounts = std::map<std::int64_t, std::int64_t>;  // hour -> views
    using ProductCounts = std::unordered_map<std::string, HourCounts, StringHash, std::equal_to<>>;
    struct Shard {
        std::mutex mutex;
        ProductCounts counts;
    };
    void put_back(ProductCounts counts, std::size_t shard);

    AnalyticsStore& store_;
    std::array<Shard, kViewCounterShards> shards_;
    std::mutex flush_mutex_;  // one flush at a time
    std::mutex thread_mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread flusher_;
};

}  // namespace hilt::server
