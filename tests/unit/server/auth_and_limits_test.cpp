#include <gtest/gtest.h>

#include <set>

#include "auth/api_keys.h"
#include "crypto/sodium.h"
#include "encoding/base64.h"
#include "http/rate_limiter.h"

namespace hilt::server {
namespace {

TEST(ApiKeys, AreRandomPrefixedAndStoredOnlyAsTheirSha256) {
    std::set<std::string> seen;
    for (int i = 0; i < 100; ++i) {
        const auto key = generate_api_key();
        EXPECT_EQ(key.secret.rfind("hk_", 0), 0u);
        EXPECT_EQ(key.key_id.rfind("key_", 0), 0u);
        EXPECT_TRUE(seen.insert(key.secret).second);
        EXPECT_EQ(key.secret_hash, hex_encode(sha256(as_bytes(key.secret))));
        EXPECT_EQ(key.secret_hash.find(key.secret), std::string::npos);
        auto presented = hash_presented_api_key(key.secret);
        ASSERT_TRUE(presented) << describe(presented.error());
        EXPECT_EQ(*presented, key.secret_hash);
        EXPECT_EQ(key.display_hint.substr(0, kApiKeyDisplayChars), key.secret.substr(0, kApiKeyDisplayChars));
    }
}

TEST(ApiKeys, MalformedPresentedKeysAreUnauthorized) {
    for (const std::string& bad : {std::string(), std::string("hk_"), std::string("sk_abc"),
                                   std::string("hk_0OIl"), std::string("hk_") + std::string(500, 'a'),
                                   std::string("hk_abc")}) {
        auto result = hash_presented_api_key(bad);
        ASSERT_FALSE(result) << bad;
        EXPECT_EQ(result.error().code, ErrorCode::Unauthorized);
    }
}

TEST(Ids, CarryTheirPrefixAndDoNotRepeat) {
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) {
        const auto id = new_id("pay");
        EXPECT_EQ(id.rfind("pay_", 0), 0u);
        EXPECT_TRUE(seen.insert(id).second);
    }
}

TEST(RateLimiter, AllowsTheBurstThenRefusesWithRetryAfter) {
    RateLimiter limiter({2.0, 5.0});
    for (int i = 0; i < 5; ++i) EXPECT_TRUE(limiter.take("1.2.3.4", 0).allowed) << i;
    const auto refused = limiter.take("1.2.3.4", 0);
    EXPECT_FALSE(refused.allowed);
    EXPECT_EQ(refused.retry_after_seconds, 1);
    EXPECT_TRUE(limiter.take("5.6.7.8", 0).allowed) << "another client is not affected";
    EXPECT_TRUE(limiter.take("1.2.3.4", 500).allowed) << "half a second refills one token at 2/s";
    EXPECT_FALSE(limiter.take("1.2.3.4", 500).allowed);
}

TEST(RateLimiter, SustainedRateIsTheRefillRate) {
    RateLimiter limiter({10.0, 10.0});
    int allowed = 0;
    for (std::int64_t ms = 0; ms < 10'000; ms += 10) allowed += limiter.take("c", ms).allowed ? 1 : 0;
    // 10 s at 10/s plus the initial burst of 10.
    EXPECT_GE(allowed, 105);
    EXPECT_LE(allowed, 111);
}

TEST(RateLimiter, AZeroRateMeansNoLimitAndTracksNobody) {
    RateLimiter limiter({0.0, 0.0});
    for (int i = 0; i < 10'000; ++i) ASSERT_TRUE(limiter.take("1.2.3.4", 0).allowed) << i;
    EXPECT_EQ(limiter.tracked_clients(), 0u);
}

TEST(RateLimiter, MemoryStaysBoundedUnderManyClients) {
    RateLimiter limiter({1.0, 1.0});
    for (std::size_t i = 0; i < kRateLimiterMaxClients + 500; ++i) {
        (void)limiter.take("client-" + std::to_string(i), 0);
    }
    EXPECT_LE(limiter.tracked_clients(), kRateLimiterMaxClients);
}

}  // namespace
}  // namespace hilt::server
