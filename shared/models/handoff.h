// shared/models/handoff.h: signed buyer handoff links (api.md: POST /v1/products/{product_id}/handoff-link).
//
// Owns: the link request/response and HandoffClaims, what a signed handoff token carries.
// Must never: sign or verify tokens (the server owns the key), or expose the identity value to the buyer
// (HandoffResolveResponse in checkout.h carries only the PublicIdentity).
#pragma once

#include <optional>
#include <string>

#include "models/checkout.h"
#include "models/identity.h"
#include "models/json_reader.h"

namespace hilt::models {

inline constexpr std::int64_t kMinHandoffTtlSeconds = 60;          // time to open a link at all
inline constexpr std::int64_t kMaxHandoffTtlSeconds = 7 * 86400;   // a week: links are bearer secrets
inline constexpr std::int64_t kDefaultHandoffTtlSeconds = 3600;    // when expires_in_seconds is absent

struct HandoffLinkRequest {
    std::string buyer_ref;  // the merchant's own reference, 1..kMaxBuyerRefChars
    Identity identity;
    std::optional<std::int64_t> expires_in_seconds;  // kMinHandoffTtlSeconds..kMaxHandoffTtlSeconds

    friend bool operator==(const HandoffLinkRequest&, const HandoffLinkRequest&) = default;
};

struct HandoffLinkResponse {
    std::string url;    // https://<host>/p/<slug>?handoff=<token>
    std::string token;  // the signed token alone
    Timestamp expires_at;

    friend bool operator==(const HandoffLinkResponse&, const HandoffLinkResponse&) = default;
};

// The signed content of a handoff token. token_id makes each token single-use (409 handoff_used).
struct HandoffClaims {
    std::string token_id;  // "hot_…"
    std::string product_id;
    std::string slug;
    std::string buyer_ref;
    Identity identity;
    Timestamp issued_at;
    Timestamp expires_at;  // strictly after issued_at

    friend bool operator==(const HandoffClaims&, const HandoffClaims&) = default;
};

[[nodiscard]] Status from_json(const Json& json, HandoffLinkRequest& out);
Json to_json(const HandoffLinkRequest& value);
[[nodiscard]] Status from_json(const Json& json, HandoffLinkResponse& out);
Json to_json(const HandoffLinkResponse& value);
[[nodiscard]] Status from_json(const Json& json, HandoffClaims& out);
Json to_json(const HandoffClaims& value);

// What POST /v1/handoff/resolve answers for valid claims.
HandoffResolveResponse to_resolve_response(const HandoffClaims& claims);

}  // namespace hilt::models
