// server/payments/subscription_manager.h: what a subscriber does without the merchant (issue 7, the manage
// page): read their subscription as it stands on chain, cancel it, or approve more renewals. Every change is
// a transaction the buyer signs (a Revoke, or an ApproveChecked of Hilt's renewal delegate); Hilt builds it,
// checks the signed one (inspector's check_delegation_change), simulates and sends it, then records it.
//
// Owns: the manage token (HMAC of the membership id with a server secret; it lets its holder read the
// subscription and ask for transactions, never move money), the amounts those transactions carry when
// several subscriptions share the account's one delegation, and recording the outcome.
// Must never: send a transaction that does more than change this account's delegation, or record a
// cancellation or approval whose transaction was refused.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "chain/chain.h"
#include "crypto/sodium.h"
#include "models/checkout.h"
#include "models/membership.h"
#include "store/payment_store.h"

namespace hilt::server {

class Clock;
struct ServerConfig;

// How soon a failed renewal is tried again after the buyer approved more (the approval must be confirmed
// on chain before the worker reads it).
inline constexpr std::int64_t kRetryAfterReapprovalSeconds = 30;

class SubscriptionManager {
public:
    SubscriptionManager(const ServerConfig& config, const Clock& clock, Chain& chain, PaymentStore& payments,
                        const solana::PublicKey& delegate, const SecretBytes<32>& token_key);

    // The token a buyer's manage link carries for this membership (base64url, 43 characters).
    std::string manage_token(const std::string& membership_id) const;
    // The buyer's manage page: {public_url}/m/{membership_id}#k={manage token}. The token rides in the
    // fragment, which browsers never send to a server (access logs, Referer).
    std::string manage_url(const std::string& membership_id) const;
    // manage_url for a membership that renews automatically; none for any other (or an unknown id).
    std::optional<std::string> manage_url_of_subscription(const std::string& membership_id);
    // not_found unless `token` is this membership's (the same answer as an unknown membership).
    [[nodiscard]] Status authorize(const std::string& membership_id, const std::string& token) const;

    [[nodiscard]] Result<models::ManageView> view(const std::string& membership_id);
    // The unsigned transaction (fee payer: the buyer) for `action`.
    [[nodiscard]] Result<models::TransactionResponse> build(const std::string& membership_id,
                                                            models::ManageAction action);
    // Checks, simulates and sends the buyer's signed transaction, then records it; answers the view after.
    [[nodiscard]] Result<models::ManageView> submit(const std::string& membership_id,
                                                    const models::ManageSubmitRequest& request);

private:
    struct Context;  // the membership, its quote and its token account as they stand
    [[nodiscard]] Result<Context> load(const std::string& membership_id);
    // The change `action` makes: nullopt amount = Revoke.
    [[nodiscard]] Result<std::optional<std::uint64_t>> change_for(const Context& c, models::ManageAction action) const;
    models::ManageView view_of(const Context& c) const;

    const ServerConfig& config_;
    const Clock& clock_;
    Chain& chain_;
    PaymentStore& payments_;
    const solana::PublicKey& delegate_;
    const SecretBytes<32>& token_key_;
};

}  // namespace hilt::server
