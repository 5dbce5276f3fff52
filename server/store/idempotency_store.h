// server/store/idempotency_store.h: Idempotency-Key (api.md "Conventions"), as an interface any
// storage backend implements (SQLite: store/sqlite/sqlite_idempotency_store.h).
//  - The same key with the same request returns the first response again, for at least 24 hours.
//  - The same key with another request is 409 idempotency_mismatch; while the first is still being
//    answered, 409 conflict (the client retries).
//  - A 5xx answer is not kept: the key is released so that a retry runs again.
// Must never: hold SQL or a backend's types.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "core/result.h"

namespace hilt::server {

// How long an answered key is replayed (api.md: at least 24 h); rows are dropped after this.
inline constexpr std::int64_t kIdempotencyRetentionSeconds = 48 * 3600;
// A key still unanswered after this long belongs to a request that died (e.g. the process was
// killed): the next request with the same key and body runs again instead of waiting forever.
inline constexpr std::int64_t kIdempotencyPendingTimeoutSeconds = 60;
// Longest Idempotency-Key accepted (Stripe's limit).
inline constexpr std::size_t kIdempotencyKeyMaxBytes = 255;

struct StoredResponse {
    int status = 0;
    std::string body;
};

class IdempotencyStore {
public:
    virtual ~IdempotencyStore() = default;

    // In one store transaction: drops keys older than kIdempotencyRetentionSeconds, then claims
    // (scope, key). Answers:
    //  - nullopt: the caller runs the request, then calls finish() or release(). A claim still
    //    unanswered after kIdempotencyPendingTimeoutSeconds is taken over the same way.
    //  - a StoredResponse: replay it.
    //  - an error: idempotency_mismatch or conflict.
    [[nodiscard]] virtual Result<std::optional<StoredResponse>> begin(
        const std::string& scope, const std::string& key, const std::string& request_hash,
        std::int64_t now) = 0;
    [[nodiscard]] virtual Status finish(const std::string& scope, const std::string& key,
                                        const StoredResponse& response) = 0;
    [[nodiscard]] virtual Status release(const std::string& scope, const std::string& key) = 0;
};

}  // namespace hilt::server
