// web/ui/manage_view.cpp: see manage_view.h.
#include "ui/manage_view.h"

#include "flow/renewal_wording.h"

namespace hilt::web::ui {

namespace {

namespace fm = flow::manage;
using models::ManageAction;

struct Frame {
    const ManageViewInput& in;
    const Theme& theme;
    Controls& controls;
    std::vector<ManageIntent> intents;

    const fm::State& state() const { return *in.state; }
    const Fonts& fonts() const { return theme.fonts(); }
    void event(fm::Event e) { intents.emplace_back(std::move(e)); }
};

std::string_view status_label(models::MembershipStatus status, bool cancelled) {
    switch (status) {
        case models::MembershipStatus::Active:
            return cancelled ? "Active until the period ends" : "Active";
        case models::MembershipStatus::Grace:
            return "Renewal overdue";
        case models::MembershipStatus::Expired:
            return "Ended";
        case models::MembershipStatus::Cancelled:
            return "Cancelled";
    }
    return "";
}

// The subscription: title, status, price, dates and the approval's reach.
void subscription_block(Frame& f) {
    const auto& view = f.state().ctx.view;
    if (!view) return;
    const auto& v = *view;
    text(f.theme, f.fonts().small, colors::kMuted, "Your subscription");
    spacer(f.theme, 4);
    text(f.theme, f.fonts().title, colors::kText, v.title);
    spacer(f.theme, kGap);
    const std::string sentence = fm::status_sentence(f.state());
    const bool trouble = v.status == models::MembershipStatus::Grace;
    notice(f.theme, trouble ? colors::kWarningSoft : colors::kAccentSoft, trouble ? colors::kWarning : colors::kText,
           sentence);
    divider(f.theme);
    key_value(f.theme, "Status", status_label(v.status, v.cancellation.has_value()), true);
    spacer(f.theme, 6);
    std::string price = flow::money_words(v.amount_minor_units, static_cast<std::uint8_t>(v.decimals), v.asset_symbol);
    if (v.billing_interval_days) price += " / " + std::to_string(*v.billing_interval_days) + " days";
    key_value(f.theme, "Price", price);
    if (v.next_renewal_at) {
        spacer(f.theme, 6);
        key_value(f.theme, "Next renewal", flow::date_words(*v.next_renewal_at));
    }
    if (v.current_period_end_at) {
        spacer(f.theme, 6);
        key_value(f.theme, "Access until", flow::date_words(*v.current_period_end_at));
    }
    if (v.buyer_wallet) {
        spacer(f.theme, 6);
        key_value(f.theme, "Wallet", flow::short_address(*v.buyer_wallet));
    }
    if (const auto allowance = fm::allowance_sentence(f.state()); !allowance.empty()) {
        spacer(f.theme, kGap);
        text(f.theme, f.fonts().body, colors::kMuted, allowance);
    }
}

void status_and_back(Frame& f, std::string_view sentence, bool back) {
    spacer(f.theme, kSection);
    status_line(f.controls, f.theme, sentence, f.in.time_seconds);
    if (back) {
        spacer(f.theme, kSection);
        if (f.controls.button("back", "Cancel", ButtonStyle::Secondary)) f.event(fm::events::Back{});
    }
}

void overview(Frame& f) {
    const auto& state = f.state();
    const auto& ctx = state.ctx;
    if (const auto outcome = fm::outcome_sentence(state); !outcome.empty()) {
        notice(f.theme, colors::kSuccessSoft, colors::kSuccess, outcome);
        spacer(f.theme, kGap);
    }
    if (ctx.refusal) {
        notice(f.theme, colors::kWarningSoft, colors::kWarning, "The change was not made: " + *ctx.refusal);
        spacer(f.theme, kGap);
    }
    subscription_block(f);
    const bool can_cancel = ctx.view && ctx.view->can_cancel;
    const bool can_reapprove = ctx.view && ctx.view->can_reapprove;
    if (!can_cancel && !can_reapprove) return;
    spacer(f.theme, kSection);
    if (!fm::can_sign(state)) {
        text(f.theme, f.fonts().body, colors::kMuted,
             ctx.env.mobile ? "To change your subscription, open this page in Phantom."
                            : "To change your subscription, open this page in a browser with Phantom. You can "
                              "also stop renewals by revoking Hilt's approval in your wallet.");
        if (ctx.env.mobile) {
            spacer(f.theme, kGap);
            if (f.controls.button("open-in-phantom", "Open in Phantom", ButtonStyle::Primary)) {
                f.event(fm::events::OpenInPhantom{});
            }
        } else {
            spacer(f.theme, kGap);
            if (f.controls.button("install-phantom", "Get Phantom", ButtonStyle::Quiet)) {
                f.intents.emplace_back(OpenUrl{kPhantomDownloadUrl});
            }
        }
        return;
    }
    const bool needs_approval = ctx.view->subscription && ctx.view->subscription->renewals_covered == 0;
    if (can_reapprove) {
        if (f.controls.button("reapprove", "Approve more renewals",
                              needs_approval ? ButtonStyle::Primary : ButtonStyle::Secondary)) {
            f.event(fm::events::Choose{ManageAction::Reapprove});
        }
        spacer(f.theme, kGap);
    }
    if (can_cancel && f.controls.button("cancel-subscription", "Cancel subscription", ButtonStyle::Secondary)) {
        f.event(fm::events::Choose{ManageAction::Cancel});
    }
}

void confirm_cancel(Frame& f) {
    text(f.theme, f.fonts().title, colors::kText, "Cancel your subscription?");
    spacer(f.theme, kGap);
    text(f.theme, f.fonts().body, colors::kText, fm::cancel_sentence(f.state()));
    spacer(f.theme, kSection);
    if (f.controls.button("confirm-cancel", "Cancel subscription", ButtonStyle::Primary)) {
        f.event(fm::events::Confirm{});
    }
    spacer(f.theme, kGap);
    if (f.controls.button("back", "Keep my subscription", ButtonStyle::Secondary)) f.event(fm::events::Back{});
}

void signing(Frame& f) {
    const auto approval = fm::approval_sentence(f.state());
    if (!approval.empty()) {
        text(f.theme, f.fonts().strong, colors::kText, "What you approve");
        spacer(f.theme, 8);
        notice(f.theme, colors::kAccentSoft, colors::kText, approval);
    } else {
        text(f.theme, f.fonts().body, colors::kText, fm::cancel_sentence(f.state()));
    }
    status_and_back(f, "Review and approve the change in Phantom.", true);
}

void try_again(Frame& f, std::string_view sentence, ImU32 soft, ImU32 strong, std::string_view back_label) {
    notice(f.theme, soft, strong, sentence);
    spacer(f.theme, kSection);
    if (f.controls.button("retry", "Try again", ButtonStyle::Primary)) f.event(fm::events::Retry{});
    if (!back_label.empty()) {
        spacer(f.theme, kGap);
        if (f.controls.button("back", back_label, ButtonStyle::Secondary)) f.event(fm::events::Back{});
    }
}

void draw_phase(Frame& f) {
    std::visit(
        [&f](const auto& phase) {
            using P = std::decay_t<decltype(phase)>;
            namespace ph = fm::phases;
            if constexpr (std::is_same_v<P, ph::Booting> || std::is_same_v<P, ph::Loading>) {
                spacer(f.theme, 8);
                status_line(f.controls, f.theme, "Loading your subscription\u2026", f.in.time_seconds);
                spacer(f.theme, 8);
            } else if constexpr (std::is_same_v<P, ph::Overview>) {
                overview(f);
            } else if constexpr (std::is_same_v<P, ph::ConfirmCancel>) {
                confirm_cancel(f);
            } else if constexpr (std::is_same_v<P, ph::ConnectingWallet>) {
                subscription_block(f);
                status_and_back(f, "Approve the connection in Phantom.", true);
            } else if constexpr (std::is_same_v<P, ph::BuildingTransaction>) {
                subscription_block(f);
                status_and_back(f, "Preparing the change\u2026", true);
            } else if constexpr (std::is_same_v<P, ph::AwaitingSignature>) {
                signing(f);
            } else if constexpr (std::is_same_v<P, ph::Submitting>) {
                subscription_block(f);
                status_and_back(f, "Sending your change\u2026", false);
            } else if constexpr (std::is_same_v<P, ph::WrongWallet>) {
                const auto& view = f.state().ctx.view;
                std::string sentence = "Phantom is connected to " + flow::short_address(phase.connected) + ".";
                if (view && view->buyer_wallet) {
                    sentence += " This subscription renews from " + flow::short_address(*view->buyer_wallet) +
                                ": switch to that wallet in Phantom, then try again.";
                }
                try_again(f, sentence, colors::kWarningSoft, colors::kWarning, "Back");
            } else if constexpr (std::is_same_v<P, ph::WalletRejected>) {
                try_again(f, flow::wallet_error_text(phase.code), colors::kWarningSoft, colors::kWarning,
                          "Keep my subscription as it is");
            } else if constexpr (std::is_same_v<P, ph::NetworkError>) {
                try_again(f,
                          phase.failure.http_status == 0
                              ? "We could not reach Hilt. Check your connection and try again."
                              : "Hilt is having trouble right now. Please try again.",
                          colors::kDangerSoft, colors::kDanger,
                          phase.step == fm::Step::FetchView ? "" : "Back");
            } else if constexpr (std::is_same_v<P, ph::Unavailable>) {
                spacer(f.theme, kSection);
                icon(f.theme, Icon::Error, 56);
                spacer(f.theme, kGap);
                text_centered(f.theme, f.fonts().title, colors::kText, "This link is not valid");
                spacer(f.theme, 8);
                text_centered(f.theme, f.fonts().body, colors::kMuted,
                              "Open the link from your receipt again, or ask the seller for a new one. You can "
                              "always stop renewals by revoking Hilt's approval in your wallet.");
            }
        },
        f.state().phase);
}

}  // namespace

std::vector<ManageIntent> ManageView::draw(const ManageViewInput& input, const Theme& theme, Controls& controls) {
    Frame f{input, theme, controls, {}};
    card_.begin(theme, input.canvas_width, input.viewport_height);
    draw_phase(f);
    card_.end(theme);
    if (controls.escape_pressed()) f.event(fm::events::Back{});
    return std::move(f.intents);
}

}  // namespace hilt::web::ui
