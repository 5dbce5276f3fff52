// web/gallery/scenes.cpp: see scenes.h.
#include "gallery/scenes.h"

#include <nlohmann/json.hpp>
#include <type_traits>
#include <utility>
#include <variant>

namespace hilt::web::gallery {

namespace {

using namespace flow;
using models::CheckoutRoute;

// The page loads at kT0; sessions live 15 minutes, as hiltd's default session_ttl_seconds.
constexpr std::int64_t kT0 = 1'795'000'000;
constexpr std::int64_t kSessionSeconds = 15 * 60;
constexpr std::string_view kSlug = "lumen-guild-monthly-pass";
constexpr std::string_view kPageUrl = "https://pay.hilt.example/p/lumen-guild-monthly-pass";
constexpr std::string_view kPaymentId = "pay_7Hq2sPvX4mKd9T";
constexpr std::string_view kTxSignature =
    "2Ana1pUpv2ZbMVkwF5FXapYeBEjdxDatLn7nvJkhgTSXbs59SyZSx866bXirPgj8QQVB57uxHJBG1YFvkRbFj4T";

Timestamp at(std::int64_t seconds_after_load) { return Timestamp{kT0 + seconds_after_load}; }

PublicKey key(std::string_view base58) {
    auto parsed = PublicKey::parse(base58);
    return parsed ? *parsed : PublicKey{};
}

Environment desktop_extension() { return Environment{true, false, std::string(kPageUrl)}; }
Environment desktop_no_wallet() { return Environment{false, false, std::string(kPageUrl)}; }
Environment phone_no_provider() { return Environment{false, true, std::string(kPageUrl)}; }

models::PublicCheckout payload() {
    models::PublicCheckout p;
    p.product_id = "prod_4fTq9XcWm2";
    p.slug = std::string(kSlug);
    p.title = "Lumen Guild monthly pass";
    p.description =
        "Thirty days in the Lumen Guild: weekly workshops, the members-only channels and the "
        "archive.";
    p.amount_minor_units = 12'500'000;
    p.asset_symbol = "USDC";
    p.decimals = 6;
    p.token_mint = key("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v");
    p.merchant_wallet = key("9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM");
    p.membership_enabled = true;
    p.membership_platform = models::Platform::Discord;
    p.membership_identity_type = models::IdentityType::DiscordUser;
    p.membership_renewal_mode = models::RenewalMode::OneOff;
    p.membership_billing_interval_days = 30;
    p.membership_grace_period_days = 2;
    p.checkout_config.default_route = CheckoutRoute::PhantomExtension;
    p.checkout_config.payment_asset = "USDC";
    return p;
}

models::HandoffResolveResponse handoff() {
    models::HandoffResolveResponse h;
    h.slug = std::string(kSlug);
    h.buyer_ref = "discord:ada";
    h.identity.type = models::IdentityType::DiscordUser;
    h.identity.display_name = "ada#4821";
    h.expires_at = at(3600);
    return h;
}

models::ConnectResponse session(bool phantom_mobile) {
    models::ConnectResponse s;
    s.payment_id = std::string(kPaymentId);
    s.status = models::PaymentStatus::PendingSignature;
    s.product_id = "prod_4fTq9XcWm2";
    s.slug = std::string(kSlug);
    s.amount_minor_units = 12'500'000;
    s.merchant_amount_minor_units = 12'375'000;
    s.fee_minor_units = 125'000;
    s.asset_symbol = "USDC";
    s.decimals = 6;
    s.token_mint = key("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v");
    s.reference = key("BPFLoaderUpgradeab1e11111111111111111111111");
    s.solana_pay_url =
        "solana:https%3A%2F%2Fpay.hilt.example%2Fv1%2Fsolana-pay%2F" + std::string(kPaymentId);
    s.solana_pay_transfer_url =
        "solana:9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM?amount=12.5&spl-token="
        "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v&reference=BPFLoaderUpgradeab1e11111111111111111111111"
        "&label=Monthly+pass&message=Order+" + std::string(kPaymentId) + "&memo=" + std::string(kPaymentId);
    s.expires_at = at(kSessionSeconds);
    if (phantom_mobile) {
        s.phantom_mobile = models::PhantomMobile{
            "https://phantom.app/ul/browse/"
            "https%3A%2F%2Fpay.hilt.example%2Fp%2Flumen-guild-monthly-pass?ref=https%3A%2F%2Fpay."
            "hilt.example",
            "https://pay.hilt.example", models::Cluster::Devnet};
    }
    return s;
}

models::TransactionResponse transaction() {
    models::TransactionResponse t;
    t.transaction = "AQAAAAAAAAAAAAAA";
    t.recent_blockhash = key("SysvarC1ock11111111111111111111111111111111");
    t.last_valid_block_height = 250'000'150;
    return t;
}

models::Payment payment(models::PaymentStatus status,
                        std::optional<models::FailureReason> reason = std::nullopt) {
    models::Payment p;
    p.payment_id = std::string(kPaymentId);
    p.product_id = "prod_4fTq9XcWm2";
    p.slug = std::string(kSlug);
    p.status = status;
    p.failure_reason = reason;
    p.amount_minor_units = 12'500'000;
    p.merchant_amount_minor_units = 12'375'000;
    p.fee_minor_units = 125'000;
    p.asset_symbol = "USDC";
    p.decimals = 6;
    p.expires_at = at(kSessionSeconds);
    if (status == models::PaymentStatus::Confirmed) p.tx_signature = std::string(kTxSignature);
    return p;
}

models::ConfirmResponse confirmation(models::DeliveryType type, std::string value) {
    models::ConfirmResponse c;
    c.payment_id = std::string(kPaymentId);
    c.status = models::PaymentStatus::Confirmed;
    c.tx_signature = std::string(kTxSignature);
    c.delivery_type = type;
    c.delivery_value = std::move(value);
    c.delivery_status = models::DeliveryStatus::Delivered;
    c.membership_id = "mem_4KdQ8wPz";
    c.membership_status = models::MembershipStatus::Active;
    c.membership_period_end_at = at(30 * 86'400);
    return c;
}

// Feeds events to the machine; answers carry the id of the request the machine just made.
class Journey {
public:
    Journey(Environment env, std::optional<std::string> handoff_token = std::nullopt) {
        events::Start start;
        start.slug = std::string(kSlug);
        start.handoff_token = std::move(handoff_token);
        start.env = std::move(env);
        start.now = at(0);
        send(start);
    }

    Journey& send(const Event& event) {
        auto transition = reduce(state_, event);
        state_ = std::move(transition.state);
        for (const auto& effect : transition.effects) {
            std::visit(
                [this](const auto& e) {
                    using E = std::decay_t<decltype(e)>;
                    if constexpr (std::is_same_v<E, effects::Announce>) {
                        announcement_ = e.text;
                    } else if constexpr (requires { e.request; }) {
                        last_request_ = e.request;
                    }
                },
                effect);
        }
        return *this;
    }
    // The id of the last request effect (the reply to send next answers it).
    RequestId request() const { return last_request_; }

    Journey& loaded() { return send(events::PayloadReplied{request(), payload()}); }
    Journey& loaded_with_handoff() {
        // Start asked for the payload, then the handoff: answer both.
        const RequestId handoff_request = request();
        send(events::HandoffReplied{handoff_request, handoff()});
        return send(events::PayloadReplied{handoff_request - 1, payload()});
    }
    Journey& choose(CheckoutRoute route) { return send(events::ChooseRoute{route}); }
    Journey& session_started(bool phantom_mobile = false) {
        return send(events::SessionReplied{request(), session(phantom_mobile)});
    }
    Journey& connected() {
        return send(
            events::WalletConnected{request(), key("mvines9iiHiQTysrwkJjGf2gb9Ex9jXJX8ns3qwf2kN")});
    }
    Journey& transaction_built() {
        return send(events::TransactionReplied{request(), transaction()});
    }
    Journey& signed_by_wallet() {
        return send(events::WalletSigned{request(), "AQxxSIGNEDxxAAAA"});
    }
    Journey& broadcast() {
        return send(events::BroadcastReplied{
            request(), models::BroadcastResponse{std::string(kPaymentId),
                                                 models::PaymentStatus::PendingConfirmation,
                                                 std::string(kTxSignature)}});
    }
    Journey& status(models::PaymentStatus s, std::optional<models::FailureReason> reason = {}) {
        return send(events::StatusReplied{request(), payment(s, reason)});
    }
    Journey& confirmed(models::DeliveryType type, std::string value) {
        status(models::PaymentStatus::Confirmed);
        return send(events::ConfirmReplied{request(), confirmation(type, std::move(value))});
    }
    Journey& tick(std::int64_t seconds_after_load) {
        return send(events::Tick{at(seconds_after_load)});
    }

    Scene scene(std::string name) const { return Scene{std::move(name), state_, announcement_}; }

private:
    State state_ = initial_state();
    std::string announcement_;
    RequestId last_request_ = 0;
};

std::vector<Scene> build() {
    using models::DeliveryType;
    using models::PaymentStatus;
    std::vector<Scene> out;
    const auto add = [&out](Journey& journey, const char* name) {
        out.push_back(journey.scene(name));
    };
    const auto extension = [] {
        Journey j(desktop_extension());
        j.loaded();
        return j;
    };

    {
        Journey j(desktop_extension());
        add(j, "loading");
    }
    {
        auto j = extension();
        add(j, "product_shown");
    }
    {
        Journey j(phone_no_provider());
        j.loaded();
        add(j, "product_shown_phone");
    }
    {
        Journey j(desktop_no_wallet());
        j.loaded();
        add(j, "product_shown_no_wallet");
    }
    {
        Journey j(desktop_extension(), std::string("hk_ada_4821"));
        j.loaded_with_handoff();
        add(j, "handoff");
    }
    {
        Journey j(desktop_extension(), std::string("hk_used_token"));
        const RequestId handoff_request = j.request();
        j.send(events::HandoffReplied{handoff_request,
                                      ApiFailure{409, ErrorCode::HandoffUsed, "already used"}});
        j.send(events::PayloadReplied{handoff_request - 1, payload()});
        add(j, "handoff_problem");
    }
    {
        auto j = extension();
        j.choose(CheckoutRoute::PhantomExtension);
        add(j, "route_chosen");
    }
    {
        auto j = extension();
        j.choose(CheckoutRoute::PhantomExtension).session_started().tick(3);
        add(j, "connecting_wallet");
    }
    {
        Journey j(phone_no_provider());
        j.loaded().choose(CheckoutRoute::PhantomMobile).session_started(true).tick(2);
        add(j, "connecting_wallet_phone");
    }
    {
        auto j = extension();
        j.choose(CheckoutRoute::PhantomExtension).session_started().connected().tick(5);
        add(j, "building_transaction");
    }
    {
        auto j = extension();
        j.choose(CheckoutRoute::PhantomExtension).session_started().connected().transaction_built();
        j.tick(47);
        add(j, "awaiting_signature");
    }
    {
        auto j = extension();
        j.choose(CheckoutRoute::PhantomExtension).session_started().connected().transaction_built();
        j.tick(kSessionSeconds - 42);
        add(j, "awaiting_signature_final_minute");
    }
    {
        auto j = extension();
        j.choose(CheckoutRoute::PhantomExtension).session_started().connected().transaction_built();
        j.signed_by_wallet();
        add(j, "broadcasting");
    }
    {
        auto j = extension();
        j.choose(CheckoutRoute::PhantomExtension).session_started().connected().transaction_built();
        j.signed_by_wallet().broadcast().tick(63);
        add(j, "confirming");
    }
    {
        auto j = extension();
        j.choose(CheckoutRoute::PhantomExtension).session_started().connected().transaction_built();
        j.signed_by_wallet().broadcast();
        j.send(events::StatusReplied{j.request(), ApiFailure{0, std::nullopt, "Failed to fetch"}});
        add(j, "confirming_reconnecting");
    }
    {
        auto j = extension();
        j.choose(CheckoutRoute::SolanaPayQr).session_started().tick(21);
        add(j, "solana_pay_qr");
    }
    {
        Journey j(phone_no_provider());
        j.loaded().choose(CheckoutRoute::SolanaPayQr).session_started(true).tick(9);
        add(j, "solana_pay_qr_phone");
    }
    {
        auto j = extension();
        j.choose(CheckoutRoute::PhantomExtension).session_started().connected().transaction_built();
        j.signed_by_wallet().broadcast().confirmed(DeliveryType::InviteLink,
                                                   "https://discord.gg/lumen-guild");
        add(j, "confirmed_invite");
    }
    {
        auto j = extension();
        j.choose(CheckoutRoute::PhantomExtension).session_started().connected().transaction_built();
        j.signed_by_wallet().broadcast().confirmed(DeliveryType::Redirect,
                                                   "https://lumenguild.example/welcome");
        add(j, "confirmed_redirect");
    }
    {
        auto j = extension();
        j.choose(CheckoutRoute::SolanaPayQr).session_started();
        j.confirmed(DeliveryType::Message,
                    "Welcome to the guild! Your first workshop is on Thursday at 18:00 UTC; the "
                    "link arrives by email the day before.");
        add(j, "confirmed_message");
    }
    {
        auto j = extension();
        j.choose(CheckoutRoute::PhantomExtension).session_started().connected().transaction_built();
        j.send(events::WalletFailed{j.request(), phantom_codes::kUserRejected,
                                    "User rejected the request."});
        add(j, "wallet_rejected");
    }
    {
        auto j = extension();
        j.choose(CheckoutRoute::PhantomExtension);
        j.send(events::SessionReplied{j.request(), ApiFailure{0, std::nullopt, "Failed to fetch"}});
        add(j, "network_error");
    }
    {
        auto j = extension();
        j.choose(CheckoutRoute::PhantomExtension).session_started().connected();
        j.send(events::TransactionReplied{j.request(), ApiFailure{503, ErrorCode::ChainUnavailable,
                                                                  "the chain is not answering"}});
        add(j, "network_error_server");
    }
    {
        auto j = extension();
        j.choose(CheckoutRoute::PhantomExtension).session_started().connected().transaction_built();
        j.tick(kSessionSeconds + 1);
        add(j, "expired");
    }
    {
        auto j = extension();
        j.choose(CheckoutRoute::PhantomExtension).session_started().connected().transaction_built();
        j.signed_by_wallet().broadcast().status(PaymentStatus::Failed,
                                                models::FailureReason::TransactionFailed);
        add(j, "failed");
    }
    {
        auto j = extension();
        j.choose(CheckoutRoute::SolanaPayQr);
        j.send(events::SessionReplied{
            j.request(), ApiFailure{410, ErrorCode::ProductArchived, "no longer on sale"}});
        add(j, "failed_archived");
    }
    return out;
}

}  // namespace

const std::vector<Scene>& scenes() {
    static const std::vector<Scene> list = build();
    return list;
}

const Scene& find_scene(std::string_view name) {
    for (const auto& scene : scenes()) {
        if (scene.name == name) return scene;
    }
    return scenes().front();
}

}  // namespace hilt::web::gallery

namespace hilt::web::gallery {

std::string describe_scene(const Scene& scene) {
    auto json = nlohmann::json::parse(flow::describe(scene.state), nullptr, false);
    if (json.is_discarded() || !json.is_object()) json = nlohmann::json::object();
    json["gallery"] = scene.name;
    auto names = nlohmann::json::array();
    for (const auto& each : scenes()) names.push_back(each.name);
    json["scenes"] = std::move(names);
    return json.dump();
}

}  // namespace hilt::web::gallery
