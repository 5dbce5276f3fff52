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

// Why the last renewal attempt of an AUTOMATIC membership failed, and when it is tried again (absent: no
// retry before the grace period ends).
struct RenewalFailure {
    RenewalFailureReason reason = RenewalFailureReason::InsufficientFunds;
    Timestamp failed_at;
    std::int64_t attempt = 1;  // attempts at this period so far
    std::optional<Timestamp> next_attempt_at;

    friend bool operator==(const RenewalFailure&, const RenewalFailure&) = default;
};

// The native subscription behind an AUTOMATIC membership: the buyer's token account that Hilt's renewal
// delegate pulls one period's price from at each period end (SPL Token delegation).
struct MembershipSubscription {
    PublicKey token_account;  // the buyer's associated token account of token_mint
    PublicKey token_mint;
    PublicKey delegate;       // Hilt's renewal delegate
    std::int64_t amount_minor_units = 0;  // one period's price, as the first checkout quoted it
    // What the checkout approved for this membership's renewals (0 when the buyer paid without approving,
    // e.g. by a plain Solana Pay transfer: its renewals then fail until the buyer approves).
    std::int64_t allowance_minor_units = 0;
    std::int64_t allowance_periods = 0;
    bool approved = false;
    std::optional<RenewalFailure> last_failure;  // cleared when a renewal goes through

    friend bool operator==(const MembershipSubscription&, const MembershipSubscription&) = default;
};

// A cancelled membership: nothing is renewed any more. At the period end (at_period_end) or at once, its status
// becomes CANCELLED, with no grace period.
struct MembershipCancellation {
    Timestamp cancelled_at;
    CancellationSource source = CancellationSource::Merchant;
    bool at_period_end = true;

    friend bool operator==(const MembershipCancellation&, const MembershipCancellation&) = default;
};

// POST /v1/memberships/{membership_id}/cancel
struct MembershipCancelRequest {
    std::optional<bool> at_period_end;  // default true: access lasts until the paid period ends

    friend bool operator==(const MembershipCancelRequest&, const MembershipCancelRequest&) = default;
};

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
    // AUTOMATIC: when the renewal worker next pulls a period's price (absent when nothing is scheduled).
    std::optional<Timestamp> next_renewal_at;
    std::optional<MembershipSubscription> subscription;  // AUTOMATIC only
    std::optional<MembershipCancellation> cancellation;
    // AUTOMATIC, in the merchant's reads: the subscriber's manage page with its token, to pass on to
    // the buyer (never stored; not in webhook events).
    std::optional<std::string> manage_url;
    Timestamp created_at;
    Timestamp updated_at;

    friend bool operator==(const Membership&, const Membership&) = default;
};

// ---- the buyer's manage page (GET /v1/memberships/{id}/manage, X-Hilt-Manage-Token) ----------------

// The page's address: {public_url}/m/{membership_id}#k={manage token}. The token rides in the fragment,
// which browsers never send to a server (access logs, Referer); the page sends it as the header.
inline constexpr std::string_view kManagePagePrefix = "/m/";
inline constexpr std::string_view kManageTokenFragment = "#k=";
inline constexpr std::string_view kManageTokenHeader = "X-Hilt-Manage-Token";

// The subscription as the buyer's token account shows it now.
struct ManageSubscription {
    PublicKey token_account;
    PublicKey delegate;                 // Hilt's renewal delegate
    bool delegate_approved = false;     // the account's delegate is Hilt's now
    std::int64_t delegated_minor_units = 0;  // what the account still allows Hilt's delegate (all subscriptions)
    std::int64_t renewals_covered = 0;  // of this subscription's price
    std::int64_t other_subscriptions = 0;  // the buyer's other live Hilt subscriptions on this account
    std::optional<RenewalFailure> last_failure;

    friend bool operator==(const ManageSubscription&, const ManageSubscription&) = default;
};

struct ManageView {
    std::string membership_id;
    std::string title;
    MembershipStatus status = MembershipStatus::Active;
    RenewalMode renewal_mode = RenewalMode::OneOff;
    std::optional<Timestamp> current_period_end_at;
    std::optional<Timestamp> grace_period_end_at;
    std::optional<Timestamp> next_renewal_at;
    std::int64_t renewal_count = 0;
    std::int64_t amount_minor_units = 0;
    std::string asset_symbol;
    std::int64_t decimals = 0;
    std::optional<std::int64_t> billing_interval_days;
    std::optional<PublicKey> buyer_wallet;
    std::optional<ManageSubscription> subscription;
    std::optional<MembershipCancellation> cancellation;
    bool can_cancel = false;
    bool can_reapprove = false;

    friend bool operator==(const ManageView&, const ManageView&) = default;
};

// POST /v1/memberships/{id}/manage/transaction
struct ManageTransactionRequest {
    ManageAction action = ManageAction::Cancel;

    friend bool operator==(const ManageTransactionRequest&, const ManageTransactionRequest&) = default;
};

// POST /v1/memberships/{id}/manage/submit
struct ManageSubmitRequest {
    ManageAction action = ManageAction::Cancel;
    std::string signed_transaction;  // base64, signed by the buyer

    friend bool operator==(const ManageSubmitRequest&, const ManageSubmitRequest&) = default;
};

[[nodiscard]] Status from_json(const Json& json, ManageSubscription& out);
Json to_json(const ManageSubscription& value);
[[nodiscard]] Status from_json(const Json& json, ManageView& out);
Json to_json(const ManageView& value);
[[nodiscard]] Status from_json(const Json& json, ManageTransactionRequest& out);
Json to_json(const ManageTransactionRequest& value);
[[nodiscard]] Status from_json(const Json& json, ManageSubmitRequest& out);
Json to_json(const ManageSubmitRequest& value);
[[nodiscard]] Status from_json(const Json& json, MembershipCancellation& out);
Json to_json(const MembershipCancellation& value);
[[nodiscard]] Status from_json(const Json& json, MembershipCancelRequest& out);
Json to_json(const MembershipCancelRequest& value);
[[nodiscard]] Status from_json(const Json& json, RenewalFailure& out);
Json to_json(const RenewalFailure& value);
[[nodiscard]] Status from_json(const Json& json, MembershipSubscription& out);
Json to_json(const MembershipSubscription& value);
[[nodiscard]] Status from_json(const Json& json, Membership& out);
Json to_json(const Membership& value);

}  // namespace hilt::models
