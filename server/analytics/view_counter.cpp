// server/analytics/view_counter.cpp: in-memory payload-view counts and their flusher (see view_counter.h).
#include "analytics/view_counter.h"

#include <iostream>
#include <vector>

namespace hilt::server {

ViewCounter::~ViewCounter() {
    if (auto flushed = stop_flusher(); !flushed) {
        std::cerr << "hiltd views: " << describe(flushed.error()) << "\n";
    }
}

void ViewCounter::count(std::string_view product_id, std::int64_t unix_seconds) {
    auto& shard = shards_[StringHash{}(product_id) % kViewCounterShards];
    const auto hour = unix_seconds / kSecondsPerViewBucket;
    std::lock_guard lock(shard.mutex);
    auto it = shard.counts.find(product_id);
    if (it == shard.counts.end()) it = shard.counts.emplace(std::string(product_id), HourCounts{}).first;
    ++it->second[hour];
}

void ViewCounter::put_back(ProductCounts counts, std::size_t shard_index) {
    auto& shard = shards_[shard_index];
    std::lock_guard lock(shard.mutex);
    for (auto& [product_id, hours] : counts) {
        auto& mine = shard.counts[product_id];
        for (const auto& [hour, views] : hours) mine[hour] += views;
    }
}

Status ViewCounter::flush() {
    std::lock_guard flushing(flush_mutex_);
    std::array<ProductCounts, kViewCounterShards> taken;
    std::vector<ViewCount> rows;
    for (std::size_t i = 0; i < kViewCounterShards; ++i) {
        {
            std::lock_guard lock(shards_[i].mutex);
            taken[i].swap(shards_[i].counts);
        }
        for (const auto& [product_id, hours] : taken[i]) {
            for (const auto& [hour, views] : hours) rows.push_back(ViewCount{product_id, hour, views});
        }
    }
    auto stored = store_.add_views(rows);
    if (!stored) {
        for (std::size_t i = 0; i < kViewCounterShards; ++i) put_back(std::move(taken[i]), i);
    }
    return stored;
}

void ViewCounter::start_flusher(std::chrono::milliseconds interval) {
    (void)stop_flusher();  // a restart: whatever the old thread left is flushed by the new one
    std::lock_guard lock(thread_mutex_);
    stopping_ = false;
    flusher_ = std::thread([this, interval] {
        std::unique_lock lock(thread_mutex_);
        while (!wake_.wait_for(lock, interval, [this] { return stopping_; })) {
            lock.unlock();
            if (auto flushed = flush(); !flushed) {
                std::cerr << "hiltd views: " << describe(flushed.error()) << "\n";
            }
            lock.lock();
        }
    });
}

Status ViewCounter::stop_flusher() {
    std::thread thread;
    {
        std::lock_guard lock(thread_mutex_);
        stopping_ = true;
        thread = std::move(flusher_);
    }
    wake_.notify_all();
    if (thread.joinable()) thread.join();
    return flush();
}

}  // namespace hilt::server
