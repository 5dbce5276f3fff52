// tests/unit/flow/checkout_test_support.h: a driver and sample wire values for the checkout machine
// tests.
//
// Owns: `Checkout` (feeds events to reduce() and keeps the state and the last effects) and the
// sample payload, session, transaction and status values the tests answer with. Must never: decide
// an expected value by running the machine; the tests state expectations from docs/api.md,
// architecture.md and solana-phantom.md.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "flow/checkout_machine.h"

namespace hilt::flow::test {

inline constexpr std::int64_t kT0 = 1'795'000'000;        // the page loads
inline constexpr std::int64_t kSessionSeconds = 15 * 60;  // the sample session lives 15 minutes
inline constexpr std::string_view kSlug = "pro-pass-x7k2";
inline constexpr std::string_view kPaymentId = "pay_7Hq2sP";
inline constexpr std::string_view kSolanaPayUrl =
    "solana:https%3A%2F%2Fhilt.example%2Fv1%2Fsolana-pay%2Fpay_7Hq2sP";
inline constexpr std::string_view kSolanaPayTransferUrl =
    "solana:9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM?amount=25&spl-token="
    "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v&reference=BPFLoaderUpgradeab1e11111111111111111111111"
    "&label=Pro+Pass&message=Order+pay_7Hq2sP&memo=pay_7Hq2sP";
inline constexpr std::string_view kUnsignedTx = "AQAAAAAAAAAAAAAA";  // stands for a base64 wire tx
inline constexpr std::string_view kSignedTx = "AQxxSIGNEDxxAAAA";
// base58 of the 64 bytes 01 02 … 40 (a well-formed signature; the machine never checks it).
inline constexpr std::string_view kTxSignature =
    "2Ana1pUpv2ZbMVkwF5FXapYeBEjdxDatLn7nvJkhgTSXbs59SyZSx866bXirPgj8QQVB57uxHJBG1YFvkRbFj4T";
inline constexpr std::string_view kInviteLink = "https://discord.gg/hilt-pro";

inline Timestamp at(std::int64_t seconds_after_load) { return Timestamp{kT0 + seconds_after_load}; }

// Parsed once per text (the property test builds these values hundreds of thousands of times).
inline PublicKey key(std::string_view base58) {
    static std::map<std::string, PublicKey, std::less<>> cache;
    if (const auto found = cache.find(base58); found != cache.end()) return found->second;
    auto parsed = PublicKey::parse(base58);
    EXPECT_TRUE(parsed) << base58;
    const PublicKey value = parsed ? *parsed : PublicKey{};
    cache.emplace(std::string(base58), value);
    return value;
}

inline PublicKey buyer_key() { return key("mvines9iiHiQTysrwkJjGf2gb9Ex9jXJX8ns3qwf2kN"); }

inline Environment desktop_with_extension() {
    return Environment{true, false, "https://hilt.example/p/pro-pass-x7k2"};
}
inline Environment phone_without_provider() {
    return Environment{false, true, "https://hilt.example/p/pro-pass-x7k2"};
}
inline Environment desktop_without_wallet() {
    return Environment{false, false, "https://hilt.example/p/pro-pass-x7k2"};
}

inline models::PublicCheckout sample_payload(
    CheckoutRoute default_route = CheckoutRoute::PhantomExtension) {
    models::PublicCheckout p;
    p.product_id = "prod_9Xc";
    p.slug = std::string(kSlug);
    p.title = "Pro Pass";
    p.amount_minor_units = 25'000'000;
    p.asset_symbol = "USDC";
    p.decimals = 6;
    p.token_mint = key("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v");
    p.merchant_wallet = key("Vote111111111111111111111111111111111111111");
    p.membership_enabled = true;
    p.membership_platform = models::Platform::Discord;
    p.membership_identity_type = models::IdentityType::DiscordUser;
    p.membership_renewal_mode = models::RenewalMode::OneOff;
    p.membership_billing_interval_days = 30;
    p.checkout_config.default_route = default_route;
    p.checkout_config.payment_asset = "USDC";
    return p;
}

inline models::HandoffResolveResponse sample_handoff(std::string_view slug = kSlug) {
    models::HandoffResolveResponse h;
    h.slug = std::string(slug);
    h.buyer_ref = "discord:4821";
    h.identity.type = models::IdentityType::DiscordUser;
    h.identity.display_name = "ada#4821";
    h.expires_at = at(3600);
    return h;
}

inline models::ConnectResponse sample_session(bool phantom_mobile = true,
                                              std::int64_t expires_after = kSessionSeconds) {
    models::ConnectResponse s;
    s.payment_id = std::string(kPaymentId);
    s.status = models::PaymentStatus::PendingSignature;
    s.product_id = "prod_9Xc";
    s.slug = std::string(kSlug);
    s.amount_minor_units = 25'000'000;
    s.merchant_amount_minor_units = 24'750'000;
    s.fee_minor_units = 250'000;
    s.asset_symbol = "USDC";
    s.decimals = 6;
    s.token_mint = key("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v");
    s.reference = key("BPFLoaderUpgradeab1e11111111111111111111111");
    s.solana_pay_url = std::string(kSolanaPayUrl);
    s.solana_pay_transfer_url = std::string(kSolanaPayTransferUrl);
    s.expires_at = at(expires_after);
    if (phantom_mobile) {
        s.phantom_mobile = models::PhantomMobile{
            "https://phantom.app/ul/browse/https%3A%2F%2Fhilt.example%2Fp%2Fpro-pass-x7k2"
            "?ref=https%3A%2F%2Fhilt.example",
            "https://hilt.example", models::Cluster::Devnet};
    }
    return s;
}

inline models::TransactionResponse sample_transaction() {
    models::TransactionResponse t;
    t.transaction = std::string(kUnsignedTx);
    t.recent_blockhash = key("SysvarC1ock11111111111111111111111111111111");
    t.last_valid_block_height = 250'000'150;
    return t;
}

// An AUTOMATIC product (renewal through Hilt's delegate): the sample product, 25.00 USDC every 30
// days.
inline models::PublicCheckout sample_automatic_payload(
    CheckoutRoute default_route = CheckoutRoute::PhantomExtension) {
    auto p = sample_payload(default_route);
    p.membership_renewal_mode = models::RenewalMode::Automatic;
    p.membership_billing_interval_days = 30;
    return p;
}

// What POST …/transaction answers for it: 12 renewals of the sample price approved to the
// delegate, on top of `existing` left from the buyer's other Hilt subscriptions.
inline models::RenewalApproval sample_approval(std::int64_t existing = 0) {
    models::RenewalApproval a;
    a.delegate = key("Stake11111111111111111111111111111111111111");
    a.allowance_periods = 12;
    a.existing_allowance_minor_units = existing;
    a.allowance_minor_units = existing + 12 * 25'000'000;
    return a;
}

inline models::TransactionResponse sample_transaction_with_approval(std::int64_t existing = 0) {
    auto t = sample_transaction();
    t.approval = sample_approval(existing);
    return t;
}

inline models::BroadcastResponse sample_broadcast() {
    return models::BroadcastResponse{std::string(kPaymentId),
                                     models::PaymentStatus::PendingConfirmation,
                                     std::string(kTxSignature)};
}

inline models::Payment payment_with(models::PaymentStatus status,
                                    std::optional<models::FailureReason> reason = std::nullopt) {
    models::Payment p;
    p.payment_id = std::string(kPaymentId);
    p.product_id = "prod_9Xc";
    p.slug = std::string(kSlug);
    p.status = status;
    p.failure_reason = reason;
    p.expires_at = at(kSessionSeconds);
    if (status == models::PaymentStatus::Confirmed) p.tx_signature = std::string(kTxSignature);
    return p;
}

inline models::ConfirmResponse confirmation_with(models::PaymentStatus status) {
    models::ConfirmResponse c;
    c.payment_id = std::string(kPaymentId);
    c.status = status;
    if (status == models::PaymentStatus::Confirmed) {
        c.tx_signature = std::string(kTxSignature);
        c.delivery_type = models::DeliveryType::InviteLink;
        c.delivery_value = std::string(kInviteLink);
        c.delivery_status = models::DeliveryStatus::Delivered;
        c.membership_id = "mem_4Kd";
        c.membership_status = models::MembershipStatus::Active;
        c.membership_period_end_at = at(30 * 86'400);
    }
    return c;
}

inline ApiFailure offline() { return ApiFailure{0, std::nullopt, "Failed to fetch"}; }
inline ApiFailure api_error(int status, ErrorCode code, std::string message = "refused") {
    return ApiFailure{status, code, std::move(message)};
}

// Feeds events and keeps what the last one produced.
struct Checkout {
    State state = initial_state();
    std::vector<Effect> effects;

    const Transition& send(const Event& event) {
        last = reduce(state, event);
        state = last.state;
        effects = last.effects;
        return last;
    }

    std::string_view name() const { return state_name(state); }

    template <typename E>
    const E* find() const {
        for (const auto& effect : effects) {
            if (const auto* e = std::get_if<E>(&effect)) return e;
        }
        return nullptr;
    }

    template <typename E>
    std::size_t count() const {
        std::size_t n = 0;
        for (const auto& effect : effects) n += std::holds_alternative<E>(effect) ? 1 : 0;
        return n;
    }

    // The effect of type E from the last event; a test failure (and a blank value) when absent.
    template <typename E>
    E expect(const char* what = "") const {
        if (const auto* e = find<E>()) return *e;
        ADD_FAILURE() << "expected effect " << what << " after the last event; state "
                      << describe(state);
        return E{};
    }

    std::vector<std::string_view> effect_names() const {
        std::vector<std::string_view> names;
        for (const auto& effect : effects) names.push_back(effect_name(effect));
        return names;
    }

    template <typename P>
    const P* phase() const {
        return std::get_if<P>(&state.phase);
    }

    Transition last;
};

// ---- common openings ---------------------------------------------------------------------------

inline void load(Checkout& run, Environment env,
                 std::optional<std::string> handoff_token = std::nullopt,
                 CheckoutRoute default_route = CheckoutRoute::PhantomExtension) {
    run.send(events::Start{std::string(kSlug), handoff_token, std::move(env), at(0), true, std::nullopt});
    const auto fetch = run.expect<effects::FetchPayload>("FetchPayload");
    run.send(events::PayloadReplied{fetch.request, sample_payload(default_route)});
}

// From ProductShown: choose `route` and answer POST connect with `session`.
inline void start_session(Checkout& run, CheckoutRoute route,
                          models::ConnectResponse session = sample_session()) {
    run.send(events::ChooseRoute{route});
    const auto start = run.expect<effects::StartSession>("StartSession");
    run.send(events::SessionReplied{start.request, std::move(session)});
}

// Desktop with the extension, up to AwaitingSignature (SignWithExtension in run.effects).
inline void extension_until_signature(Checkout& run) {
    load(run, desktop_with_extension());
    start_session(run, CheckoutRoute::PhantomExtension);
    const auto connect = run.expect<effects::ConnectExtension>("ConnectExtension");
    run.send(events::WalletConnected{connect.request, buyer_key()});
    const auto build = run.expect<effects::RequestTransaction>("RequestTransaction");
    run.send(events::TransactionReplied{build.request, sample_transaction()});
}

// ... then signed and broadcast, up to Confirming with the first PollStatus in run.effects.
inline void extension_until_confirming(Checkout& run) {
    extension_until_signature(run);
    const auto sign = run.expect<effects::SignWithExtension>("SignWithExtension");
    run.send(events::WalletSigned{sign.request, std::string(kSignedTx)});
    const auto broadcast = run.expect<effects::Broadcast>("Broadcast");
    run.send(events::BroadcastReplied{broadcast.request, sample_broadcast()});
}

}  // namespace hilt::flow::test
