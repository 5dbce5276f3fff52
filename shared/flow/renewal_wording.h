// shared/flow/renewal_wording.h: the plain words a buyer reads about automatic renewal before
// signing (issue 7; docs/plans/subscriptions.md §5.3, docs/api.md "POST
// /v1/payments/{id}/transaction").
//
// Owns: the short terms line the checkout can show from the public payload alone (before the wallet
// is known), and the full approval wording once POST …/transaction has answered with `approval`
// (what the ApproveChecked in the transaction lets Hilt's renewal delegate take). The checkout view
// draws these strings, the machine announces them (aria-live) and describe() publishes them.
// Must never: round an amount (money::format_display is exact), or promise more than the approval
// allows (the amount stated for this subscription is what the transaction approves on top of the
// buyer's other Hilt subscriptions, never less).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "models/checkout.h"
#include "solana/pubkey.h"

namespace hilt::flow {

// One renewal: its price and how often it falls due.
struct RenewalPrice {
    std::int64_t amount_minor_units = 0;
    std::uint8_t decimals = 0;
    std::string asset_symbol;                   // "USDC"
    std::optional<std::int64_t> interval_days;  // the billing interval; always set for AUTOMATIC
    std::optional<std::int64_t> allowance_periods;  // renewals the checkout's approval covers (payload)

    friend bool operator==(const RenewalPrice&, const RenewalPrice&) = default;
};

// The payload's price and interval when the product renews automatically; none otherwise (no
// membership, or ONE_OFF).
std::optional<RenewalPrice> renewal_price(const models::PublicCheckout& payload);

// "12.50 USDC": exact display digits and the symbol (the raw minor units if they cannot be shown).
std::string money_words(std::int64_t amount_minor_units, std::uint8_t decimals,
                        std::string_view symbol);
// " every day" / " every 30 days"; "" when the interval is unknown.
std::string every_words(const std::optional<std::int64_t>& days);
// "29 December 2026": the UTC calendar date of `time`.
std::string date_words(models::Timestamp time);
// "7xKX…9fQ2": the first and last 4 characters of the base58 address.
std::string short_address(const solana::PublicKey& key);

// Before the buyer pays (no wallet yet): "Renews automatically: 12.50 USDC every 30 days until you
// cancel. To renew, you approve Hilt to take up to 150.00 USDC from your wallet's USDC, for up to 12
// renewals." With allowance_periods unknown (an older payload): "… you approve Hilt to take these
// payments from your wallet's USDC; the limit is shown before you sign."
std::string renewal_terms_text(const RenewalPrice& price);

// Once POST …/transaction answered with an approval: "Renews automatically. You also allow Hilt to
// take up to 150.00 USDC from this wallet's USDC: 12.50 USDC every 30 days, for up to 12
// renewals.", then, when the account already allows Hilt something, "Your other Hilt subscriptions
// keep their approval (37.50 USDC); the new total is 187.50 USDC.", when another delegate is
// replaced, "This replaces the spending approval this USDC account gave to 7xKX…9fQ2.", and last
// "Cancel any time by revoking this approval in your wallet."
std::string approval_text(const models::RenewalApproval& approval, const RenewalPrice& price);

}  // namespace hilt::flow
