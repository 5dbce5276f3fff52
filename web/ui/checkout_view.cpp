// web/ui/checkout_view.cpp: see checkout_view.h.
//
// [SECTION] index
//   Words       sentences and number formatting (money, dates, countdown)
//   Blocks      product header, session summary, delivery and receipt
//   Phases      one function per screen
//   Frame       the card window and the intents
#include "ui/checkout_view.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>

#include "flow/renewal_wording.h"

namespace hilt::web::ui {

namespace {

using namespace flow;

// ---- [SECTION] Words -----------------------------------------------------------------------------

// Wrapped text for drawing: ImGui wraps after any '.', which splits an amount ("150." / "00 USDC");
// a decimal point between digits is drawn as U+2024 (one dot leader, the same dot) so that it
// cannot. Only for the canvas: the words published for tests and screen readers keep the '.'.
std::string unbreakable_amounts(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 8);
    for (std::size_t i = 0; i < text.size(); ++i) {
        const bool point = text[i] == '.' && i > 0 && i + 1 < text.size() &&
                           std::isdigit(static_cast<unsigned char>(text[i - 1])) &&
                           std::isdigit(static_cast<unsigned char>(text[i + 1]));
        out += point ? std::string_view("\u2024") : text.substr(i, 1);
    }
    return out;
}

std::string countdown_text(std::int64_t seconds) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%lld:%02lld", static_cast<long long>(seconds / 60),
                  static_cast<long long>(seconds % 60));
    return buffer;
}

std::string short_signature(const std::string& signature) {
    if (signature.size() <= 16) return signature;
    return signature.substr(0, 8) + "\u2026" + signature.substr(signature.size() - 8);
}

std::string_view platform_name(models::Platform platform) {
    switch (platform) {
        case models::Platform::Discord:
            return "Discord";
        case models::Platform::Telegram:
            return "Telegram";
        case models::Platform::Web:
            return "the web";
    }
    return "the web";
}

std::string_view identity_name(models::IdentityType type) {
    switch (type) {
        case models::IdentityType::Wallet:
            return "wallet";
        case models::IdentityType::DiscordUser:
            return "Discord";
        case models::IdentityType::TelegramUser:
            return "Telegram";
        case models::IdentityType::Email:
            return "email";
    }
    return "account";
}

std::string days_text(std::int64_t days) {
    return std::to_string(days) + (days == 1 ? " day" : " days");
}

std::string_view failure_sentence(const phases::Failed& failed) {
    if (failed.error == ErrorCode::ProductArchived) {
        return "This product is no longer on sale. Nothing was charged.";
    }
    if (failed.error == ErrorCode::NotFound) {
        return "This checkout link does not exist any more. Ask the seller for a new one.";
    }
    if (failed.reason) {
        switch (*failed.reason) {
            case models::FailureReason::TransactionFailed:
                return "The transaction was refused by the network. Nothing was charged.";
            case models::FailureReason::BlockhashExpired:
                return "The transaction did not reach the network in time. Nothing was charged.";
            case models::FailureReason::VerificationFailed:
                return "The signed transaction did not match this payment, so it was not sent. "
                       "Nothing was charged.";
            case models::FailureReason::Cancelled:
                return "This payment was cancelled. Nothing was charged.";
            case models::FailureReason::Expired:
                return "This checkout session has expired.";
        }
    }
    return "The payment could not be completed. Nothing was charged.";
}

// ---- [SECTION] Blocks ----------------------------------------------------------------------------

struct Frame {
    const ViewInput& in;
    const Theme& theme;
    Controls& controls;
    QrCode& qr;
    std::vector<Intent> intents;

    const State& state() const { return *in.state; }
    const Context& ctx() const { return in.state->ctx; }
    const Fonts& fonts() const { return theme.fonts(); }
    void emit(Intent intent) { intents.push_back(std::move(intent)); }
    void event(Event e) { intents.emplace_back(std::move(e)); }
};

void product_header(Frame& f) {
    const auto& ctx = f.ctx();
    const auto& p = *ctx.payload;
    if (!f.in.merchant_name.empty()) {
        text(f.theme, f.fonts().small, colors::kMuted, "Sold by " + f.in.merchant_name);
        spacer(f.theme, 4);
    }
    text(f.theme, f.fonts().title, colors::kText, p.title);
    if (p.description && !p.description->empty()) {
        spacer(f.theme, 6);
        text(f.theme, f.fonts().body, colors::kMuted, *p.description);
    }
    spacer(f.theme, 16);
    text(f.theme, f.fonts().price, colors::kText, money_words(p.amount_minor_units, p.decimals, p.asset_symbol));
    if (p.membership_enabled) {
        spacer(f.theme, 8);
        std::string terms = "Membership";
        if (p.membership_platform) terms += " on " + std::string(platform_name(*p.membership_platform));
        if (p.membership_billing_interval_days) {
            terms += " \u00b7 " + days_text(*p.membership_billing_interval_days) + " of access";
        }
        if (p.membership_renewal_mode == models::RenewalMode::Automatic) {
            terms += " \u00b7 renews automatically";
        } else if (p.membership_renewal_mode == models::RenewalMode::OneOff) {
            terms += " \u00b7 renew when you choose";
        }
        if (p.membership_grace_period_days && *p.membership_grace_period_days > 0) {
            terms += " \u00b7 " + days_text(*p.membership_grace_period_days) + " grace period";
        }
        text(f.theme, f.fonts().body, colors::kMuted, terms);
        // An AUTOMATIC product: what renewing means, before the buyer pays. Once the transaction is
        // built, the signing screen states the approval itself instead (signature_screen).
        const bool approval_on_screen =
            ctx.approval && std::holds_alternative<phases::AwaitingSignature>(f.state().phase);
        const std::string renewal = renewal_terms(f.state());
        if (!renewal.empty() && !approval_on_screen) {
            spacer(f.theme, 8);
            text(f.theme, f.fonts().body, colors::kText, unbreakable_amounts(renewal));
        }
    }
    if (ctx.handoff) {
        spacer(f.theme, 12);
        const auto& identity = ctx.handoff->identity;
        std::string who = "Paying as " + identity.display_name.value_or(ctx.handoff->buyer_ref);
        if (identity.type != models::IdentityType::Wallet) {
            who += " (" + std::string(identity_name(identity.type)) + ")";
        }
        notice(f.theme, colors::kAccentSoft, colors::kAccent, who);
    }
}

// Total, the merchant's share and the fee, once the server has quoted them.
void session_summary(Frame& f, bool show_countdown) {
    const auto& ctx = f.ctx();
    if (!ctx.session) return;
    const auto& s = *ctx.session;
    divider(f.theme);
    const std::string merchant =
        f.in.merchant_name.empty() ? std::string("To the seller") : "To " + f.in.merchant_name;
    key_value(f.theme, merchant, money_words(s.merchant_amount_minor_units, s.decimals, s.asset_symbol));
    spacer(f.theme, 6);
    key_value(f.theme, "Hilt fee", money_words(s.fee_minor_units, s.decimals, s.asset_symbol));
    spacer(f.theme, 6);
    key_value(f.theme, "Total", money_words(s.amount_minor_units, s.decimals, s.asset_symbol), true);
    if (show_countdown) {
        if (const auto left = seconds_remaining(f.state())) {
            spacer(f.theme, 6);
            key_value(f.theme, "Time left to pay", countdown_text(*left), *left <= kFinalMinuteSeconds);
        }
    }
}

void delivery_block(Frame& f, const models::ConfirmResponse& c) {
    if (!c.delivery_type || *c.delivery_type == models::DeliveryType::None || !c.delivery_value) {
        return;
    }
    const std::string& value = *c.delivery_value;
    spacer(f.theme, kSection);
    switch (*c.delivery_type) {
        case models::DeliveryType::Redirect:
            if (f.controls.button("continue", "Continue to your purchase", ButtonStyle::Primary)) {
                f.emit(OpenUrl{value});
            }
            break;
        case models::DeliveryType::InviteLink:
            text(f.theme, f.fonts().strong, colors::kText, "Your invite link");
            spacer(f.theme, 6);
            text(f.theme, f.fonts().body, colors::kAccent, value);
            spacer(f.theme, kGap);
            if (f.controls.button("open-invite", "Open invite", ButtonStyle::Primary)) {
                f.emit(OpenUrl{value});
            }
            spacer(f.theme, kGap);
            if (f.controls.button("copy-invite", "Copy link", ButtonStyle::Secondary)) {
                f.event(events::CopyLink{});
            }
            break;
        case models::DeliveryType::Message:
            text(f.theme, f.fonts().strong, colors::kText, "From the seller");
            spacer(f.theme, 6);
            notice(f.theme, colors::kSuccessSoft, colors::kText, value);
            break;
        case models::DeliveryType::None:
            break;
    }
}

void receipt_block(Frame& f, const models::ConfirmResponse& c) {
    const auto& ctx = f.ctx();
    divider(f.theme);
    text(f.theme, f.fonts().strong, colors::kText, "Receipt");
    spacer(f.theme, 8);
    if (ctx.session) {
        const auto& s = *ctx.session;
        key_value(f.theme, "Paid", money_words(s.amount_minor_units, s.decimals, s.asset_symbol), true);
        spacer(f.theme, 6);
        key_value(f.theme, "Hilt fee (included)", money_words(s.fee_minor_units, s.decimals, s.asset_symbol));
        spacer(f.theme, 6);
        key_value(f.theme, "Payment", s.payment_id);
        spacer(f.theme, 6);
    }
    const auto& signature = c.tx_signature ? c.tx_signature : ctx.tx_signature;
    if (signature) {
        key_value(f.theme, "Transaction", short_signature(*signature));
        spacer(f.theme, 6);
    }
    if (c.membership_period_end_at) {
        key_value(f.theme, "Membership until", date_words(*c.membership_period_end_at), true);
    }
    if (c.manage_url) {  // a subscription: where the buyer sees its renewals and cancels it
        spacer(f.theme, kSection);
        if (f.controls.button("manage-subscription", "Manage subscription", ButtonStyle::Secondary)) {
            f.emit(OpenUrl{*c.manage_url});
        }
    }
}

// ---- [SECTION] Phases ----------------------------------------------------------------------------

void loading_screen(Frame& f, std::string_view sentence) {
    spacer(f.theme, 8);
    status_line(f.controls, f.theme, sentence, f.in.time_seconds);
    spacer(f.theme, 8);
}

void choose_route(Frame& f) {
    const auto& state = f.state();
    const auto& ctx = f.ctx();
    if (ctx.handoff_problem) {
        spacer(f.theme, kGap);
        notice(f.theme, colors::kWarningSoft, colors::kWarning,
               "Your personal checkout link could not be used. You can still pay with your wallet.");
    }
    spacer(f.theme, kSection + 4);
    const auto suggested = suggested_route(state);
    const auto style_for = [&suggested](models::CheckoutRoute route) {
        return suggested == route ? ButtonStyle::Primary : ButtonStyle::Secondary;
    };
    bool first = true;
    const auto gap = [&f, &first] {
        if (!first) spacer(f.theme, kGap);
        first = false;
    };
    if (route_available(state, models::CheckoutRoute::PhantomExtension)) {
        gap();
        if (f.controls.button("pay-phantom", "Pay with Phantom",
                              style_for(models::CheckoutRoute::PhantomExtension))) {
            f.event(events::ChooseRoute{models::CheckoutRoute::PhantomExtension});
        }
    }
    if (route_available(state, models::CheckoutRoute::PhantomMobile) && !ctx.env.extension_available) {
        gap();
        if (f.controls.button("pay-phantom-app", "Pay in the Phantom app",
                              style_for(models::CheckoutRoute::PhantomMobile))) {
            f.event(events::ChooseRoute{models::CheckoutRoute::PhantomMobile});
        }
        gap();
        if (f.controls.button("open-in-phantom", "Open this page in Phantom", ButtonStyle::Secondary)) {
            f.event(events::OpenInPhantom{});
        }
    }
    gap();
    if (f.controls.button("pay-qr", ctx.env.mobile ? "Pay with another wallet" : "Pay with a QR code",
                          style_for(models::CheckoutRoute::SolanaPayQr))) {
        f.event(events::ChooseRoute{models::CheckoutRoute::SolanaPayQr});
    }
    if (!ctx.env.extension_available) {
        spacer(f.theme, kSection);
        text_centered(f.theme, f.fonts().small, colors::kMuted,
                      ctx.env.mobile ? "No Phantom app? Pay with any Solana wallet, or get Phantom."
                                     : "Phantom was not found in this browser. Scan the QR code "
                                       "with any Solana wallet, or get Phantom.");
        spacer(f.theme, 4);
        if (f.controls.button("install-phantom", "Get Phantom", ButtonStyle::Quiet)) {
            f.emit(OpenUrl{kPhantomDownloadUrl});
        }
    }
}

void waiting_screen(Frame& f, std::string_view sentence, bool countdown, bool cancel) {
    session_summary(f, countdown);
    spacer(f.theme, kSection);
    status_line(f.controls, f.theme, sentence, f.in.time_seconds);
    if (cancel) {
        spacer(f.theme, kSection);
        if (f.controls.button("back", "Cancel", ButtonStyle::Secondary)) f.event(events::Back{});
    }
}

// The wallet has (or, held, is about to get) the transaction. An approval of Hilt's renewal
// delegate is stated in plain words above the prompt; on the deeplink lane the buyer opens Phantom
// only after reading it (the page unloads when Phantom opens).
void signature_screen(Frame& f, const phases::AwaitingSignature& signing, bool extension) {
    session_summary(f, true);
    if (const std::string approval = approval_wording(f.state()); !approval.empty()) {
        spacer(f.theme, kSection);
        text(f.theme, f.fonts().strong, colors::kText, "Automatic renewal");
        spacer(f.theme, 8);
        notice(f.theme, colors::kAccentSoft, colors::kText, unbreakable_amounts(approval));
    }
    spacer(f.theme, kSection);
    if (signing.held) {
        if (f.controls.button("continue-in-phantom", "Continue in Phantom", ButtonStyle::Primary)) {
            f.event(events::ContinueInPhantom{});
        }
    } else {
        status_line(f.controls, f.theme,
                    extension ? "Review and approve the payment in Phantom."
                              : "Opening Phantom to approve the payment\u2026",
                    f.in.time_seconds);
    }
    spacer(f.theme, kSection);
    if (f.controls.button("back", "Cancel", ButtonStyle::Secondary)) f.event(events::Back{});
}

void qr_screen(Frame& f, const phases::Confirming& confirming) {
    const auto& ctx = f.ctx();
    session_summary(f, true);
    spacer(f.theme, kSection);
    text_centered(f.theme, f.fonts().strong, colors::kText, "Scan with your Solana wallet");
    spacer(f.theme, kGap);
    if (ctx.session) f.qr.draw(f.theme, ctx.session->solana_pay_url, 264.0f);
    spacer(f.theme, kGap);
    status_line(f.controls, f.theme,
                confirming.failed_polls > 0 ? "Reconnecting\u2026 your payment is safe."
                                            : "Waiting for your payment\u2026",
                f.in.time_seconds);
    spacer(f.theme, kSection);
    if (f.controls.button("copy-link", "Copy payment link", ButtonStyle::Secondary)) {
        f.event(events::CopyLink{});
    }
    spacer(f.theme, kGap);
    if (f.controls.button("back", "Choose another way to pay", ButtonStyle::Quiet)) {
        f.event(events::Back{});
    }
}

void confirmed_screen(Frame& f, const phases::Confirmed& confirmed) {
    spacer(f.theme, kSection);
    icon(f.theme, Icon::Success, 64);
    spacer(f.theme, kGap);
    text_centered(f.theme, f.fonts().title, colors::kText, "Payment confirmed");
    spacer(f.theme, 6);
    text_centered(f.theme, f.fonts().body, colors::kMuted, "Thank you. Your payment is complete.");
    delivery_block(f, confirmed.confirmation);
    receipt_block(f, confirmed.confirmation);
}

void end_screen(Frame& f, Icon kind, std::string_view heading, std::string_view sentence,
                std::string_view action) {
    spacer(f.theme, kSection);
    icon(f.theme, kind, 56);
    spacer(f.theme, kGap);
    text_centered(f.theme, f.fonts().title, colors::kText, heading);
    spacer(f.theme, 8);
    text_centered(f.theme, f.fonts().body, colors::kMuted, sentence);
    spacer(f.theme, kSection);
    if (f.controls.button("start-over", action, ButtonStyle::Primary)) f.emit(StartOver{});
}

void wallet_rejected_screen(Frame& f, const phases::WalletRejected& rejected) {
    session_summary(f, true);
    spacer(f.theme, kSection);
    notice(f.theme, colors::kWarningSoft, colors::kWarning, wallet_error_text(rejected.code));
    if (rejected.code == phantom_codes::kInternalError && !rejected.message.empty()) {
        // Phantom's own words (or why its answer could not be read): nothing was sent.
        spacer(f.theme, 8);
        text(f.theme, f.fonts().small, colors::kMuted, "Nothing was sent. Details: " + rejected.message);
    }
    spacer(f.theme, kSection);
    if (f.controls.button("retry", "Try again", ButtonStyle::Primary)) f.event(events::Retry{});
    spacer(f.theme, kGap);
    if (f.controls.button("back", "Choose another way to pay", ButtonStyle::Secondary)) {
        f.event(events::Back{});
    }
}

void network_error_screen(Frame& f, const phases::NetworkError& error) {
    if (f.ctx().payload) session_summary(f, false);
    spacer(f.theme, kSection);
    notice(f.theme, colors::kDangerSoft, colors::kDanger,
           error.failure.http_status == 0
               ? "We could not reach the checkout server. Check your connection and try again."
               : "The checkout server is having trouble right now. Please try again.");
    spacer(f.theme, kSection);
    if (f.controls.button("retry", "Try again", ButtonStyle::Primary)) f.event(events::Retry{});
    if (error.step == RetryStep::StartSession || error.step == RetryStep::RequestTransaction) {
        spacer(f.theme, kGap);
        if (f.controls.button("back", "Choose another way to pay", ButtonStyle::Secondary)) {
            f.event(events::Back{});
        }
    }
}

void draw_phase(Frame& f) {
    const auto& state = f.state();
    const bool extension = f.ctx().route == models::CheckoutRoute::PhantomExtension;
    std::visit(
        [&f, extension](const auto& phase) {
            using P = std::decay_t<decltype(phase)>;
            if constexpr (std::is_same_v<P, phases::Booting> || std::is_same_v<P, phases::Loading>) {
                loading_screen(f, "Loading your checkout\u2026");
            } else if constexpr (std::is_same_v<P, phases::ProductShown>) {
                choose_route(f);
            } else if constexpr (std::is_same_v<P, phases::RouteChosen>) {
                waiting_screen(f, "Starting your checkout\u2026", false, false);
            } else if constexpr (std::is_same_v<P, phases::ConnectingWallet>) {
                waiting_screen(f, extension ? "Approve the connection in Phantom." : "Opening Phantom\u2026",
                               true, true);
            } else if constexpr (std::is_same_v<P, phases::BuildingTransaction>) {
                waiting_screen(f, "Preparing your payment\u2026", true, true);
            } else if constexpr (std::is_same_v<P, phases::AwaitingSignature>) {
                signature_screen(f, phase, extension);
            } else if constexpr (std::is_same_v<P, phases::Broadcasting>) {
                waiting_screen(f, "Sending your payment\u2026", false, false);
            } else if constexpr (std::is_same_v<P, phases::Confirming>) {
                if (phase.external) {
                    qr_screen(f, phase);
                } else {
                    waiting_screen(f,
                                   phase.failed_polls > 0
                                       ? "Reconnecting\u2026 your payment is on its way."
                                       : "Payment sent. Waiting for confirmation\u2026",
                                   false, false);
                }
            } else if constexpr (std::is_same_v<P, phases::Confirmed>) {
                confirmed_screen(f, phase);
            } else if constexpr (std::is_same_v<P, phases::Failed>) {
                end_screen(f, Icon::Error,
                           phase.error == ErrorCode::ProductArchived ? "No longer on sale"
                                                                     : "Payment failed",
                           failure_sentence(phase), "Start over");
            } else if constexpr (std::is_same_v<P, phases::Expired>) {
                end_screen(f, Icon::Clock, "Session expired",
                           "This checkout session ran out of time before a payment arrived. "
                           "Nothing was charged.",
                           "Start a new checkout");
            } else if constexpr (std::is_same_v<P, phases::WalletRejected>) {
                wallet_rejected_screen(f, phase);
            } else if constexpr (std::is_same_v<P, phases::NetworkError>) {
                network_error_screen(f, phase);
            }
        },
        state.phase);
}

bool shows_product(const State& state) {
    if (!state.ctx.payload) return false;
    return !std::holds_alternative<phases::Confirmed>(state.phase) &&
           !std::holds_alternative<phases::Failed>(state.phase) &&
           !std::holds_alternative<phases::Expired>(state.phase);
}

}  // namespace

// ---- [SECTION] Frame -----------------------------------------------------------------------------

std::vector<Intent> CheckoutView::draw(const ViewInput& input, const Theme& theme,
                                       Controls& controls) {
    Frame f{input, theme, controls, qr_, {}};
    card_.begin(theme, input.canvas_width, input.viewport_height);
    if (shows_product(*input.state)) product_header(f);
    draw_phase(f);
    card_.end(theme);
    if (controls.escape_pressed()) f.event(events::Back{});
    return std::move(f.intents);
}

}  // namespace hilt::web::ui
