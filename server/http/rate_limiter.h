// server/http/rate_limiter.h: per-client token buckets for the public routes (429 with Retry-After).
//  - Pure arithmetic on a caller-supplied clock (milliseconds), so tests drive time; thread-safe.
//  - Memory is bounded: at most kRateLimiterMaxClients buckets; the stalest full ones are dropped first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace hilt::server {

// Distinct client addresses tracked at once (≈ 100 bytes each).
inline constexpr std::size_t kRateLimiterMaxClients = 100'000;

struct RateLimit {
    // Sustained requests per second per client; 0 (or less): no limit at all (take always allows).
    double refill_per_second = 10.0;
    double burst = 40.0;              // requests allowed at once
};

struct RateDecision {
    bool allowed = true;
    std::int64_t retry_after_seconds = 0;  // when refused: whole seconds until one token is back
};

class RateLimiter {
public:
    explicit RateLimiter(RateLimit limit) : limit_(limit) {}
    RateDecision take(const std::string& client, std::int64_t now_ms);
    std::size_t tracked_clients() const;

private:
    struct Bucket {
        double tokens;
        std::int64_t updated_ms;
    };
    void evict(std::int64_t now_ms);

    RateLimit limit_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace hilt::server
