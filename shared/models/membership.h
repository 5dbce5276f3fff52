// shared/models/membership.h: a membership record (GET /v1/memberships, /v1/memberships/{membership_id}).
//
// Owns: the Membership shape and its JSON.
// Must never: decide status transitions (the server's renewal and expiry workers do) or leak into the
// buyer-facing payload beyond what ConfirmResponse carries.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "models/checkout.h"
#include "models/identity.h"
#include "models/json_reader.h"

namespace hilt::models {

inline constexpr std::int64_t kMaxRenewalCount = 1'000'000;  // daily renewals for over two thousand years

struct Membership {
    std::string membership_id;  // "mem_…"
    std::string product_id;
    MembershipStatus status = MembershipStatus::Active;
    Platform platform = Platform::Web;
    RenewalMode renewal_mode = RenewalMode::OneOff;
    std::optional<Identity> identity;
    std::optional<PublicKey> buyer_wallet;
    std::optional<std::string> buyer_ref;
    Timestamp current_period_start_at;
    std::optional<Timestamp> current_period_end_at;  // absent: no end (ONE_OFF without an interval)
    std::optional<Timestamp> grace_period_end_at;
    std::optional<std::string> last_payment_id;
    // Payments that extended this run of the membership after the one that started it (0 for a first
    // period). A membership that lapsed or was cancelled starts a new run at 0 when its member pays again.
    std::int64_t renewal_count = 0;
    Timestamp created_at;
    Timestamp updated_at;

    friend bool operator==(const Membership&, const Membership&) = default;
};

[[nodiscard]] Status from_json(const Json& json, Membership& out);
Json to_json(const Membership& value);

}  // namespace hilt::models
