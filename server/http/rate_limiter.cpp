// server/http/rate_limiter.cpp: token-bucket arithmetic and bounded eviction.
#include "http/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace hilt::server {

RateDecision RateLimiter::take(const std::string& client, std::int64_t now_ms) {
    if (limit_.refill_per_second <= 0) return {true, 0};  // switched off: no bucket, no lock
    std::lock_guard lock(mutex_);
    auto it = buckets_.find(client);
    if (it == buckets_.end()) {
        if (buckets_.size() >= kRateLimiterMaxClients) evict(now_ms);
        it = buckets_.emplace(client, Bucket{limit_.burst, now_ms}).first;
    }
    Bucket& bucket = it->second;
    const double elapsed = static_cast<double>(std::max<std::int64_t>(0, now_ms - bucket.updated_ms)) / 1000.0;
    bucket.tokens = std::min(limit_.burst, bucket.tokens + elapsed * limit_.refill_per_second);
    bucket.updated_ms = std::max(bucket.updated_ms, now_ms);
    if (bucket.tokens >= 1.0) {
        bucket.tokens -= 1.0;
        return {true, 0};
    }
    const double wait = (1.0 - bucket.tokens) / limit_.refill_per_second;
    return {false, std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(wait)))};
}

std::size_t RateLimiter::tracked_clients() const {
    std::lock_guard lock(mutex_);
    return buckets_.size();
}

void RateLimiter::evict(std::int64_t now_ms) {
    // Buckets that have refilled completely carry no state worth keeping.
    const double full_after_ms = limit_.burst / limit_.refill_per_second * 1000.0;
    std::erase_if(buckets_, [&](const auto& entry) {
        return static_cast<double>(now_ms - entry.second.updated_ms) >= full_after_ms;
    });
    if (buckets_.size() < kRateLimiterMaxClients) return;
    // Still full: drop the least recently seen tenth.
    std::vector<std::pair<std::int64_t, std::string>> by_age;
    by_age.reserve(buckets_.size());
    for (const auto& [client, bucket] : buckets_) by_age.emplace_back(bucket.updated_ms, client);
    const auto cut = by_age.begin() + static_cast<std::ptrdiff_t>(by_age.size() / 10);
    std::nth_element(by_age.begin(), cut, by_age.end());
    for (auto it = by_age.begin(); it != cut; ++it) buckets_.erase(it->second);
}

}  // namespace hilt::server
