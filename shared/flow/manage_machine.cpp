// shared/flow/manage_machine.cpp: reduce() of the manage page and its sentences. See manage_machine.h.
//
// Must never: read a clock, perform I/O or draw random numbers.
#include "flow/manage_machine.h"

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>
#include <utility>

#include "flow/renewal_wording.h"

namespace hilt::flow::manage {

namespace {

// ---- words for the aria-live region ------------------------------------------------------------
constexpr std::string_view kSayUnavailable = "This manage link is not valid.";
constexpr std::string_view kSayConfirmCancel = "Confirm that you want to cancel your subscription.";
constexpr std::string_view kSayConnect = "Approve the connection in Phantom.";
constexpr std::string_view kSayWrongWallet = "Phantom is connected to another wallet.";
constexpr std::string_view kSaySign = "Review and approve the change in Phantom.";
constexpr std::string_view kSaySubmitting = "Sending your change.";
constexpr std::string_view kSayNetwork = "Connection problem. You can try again.";

struct Builder {
    State state;
    std::vector<Effect> effects;

    Context& ctx() { return state.ctx; }
    RequestId next_id() { return ++state.ctx.last_request; }
    void emit(Effect effect) { effects.push_back(std::move(effect)); }
    void announce(std::string_view text) { emit(effects::Announce{std::string(text)}); }
    void go(Phase phase) { state.phase = std::move(phase); }
};

template <typename T>
const T* value_of(const Reply<T>& reply) {
    return std::get_if<T>(&reply);
}

const ApiFailure& failure_of(const auto& reply) {
    static const ApiFailure kUnknown{};
    const ApiFailure* failure = std::get_if<ApiFailure>(&reply);
    return failure != nullptr ? *failure : kUnknown;
}

bool retryable(const ApiFailure& failure) {
    const int status = failure.http_status;
    return status == 0 || status == 408 || status == 429 || status >= 500;
}

bool is_pending(const State& state, RequestId request) {
    const auto ids = pending_requests(state);
    return request != 0 && std::find(ids.begin(), ids.end(), request) != ids.end();
}

std::string price_words(const models::ManageView& v) {
    return money_words(v.amount_minor_units, static_cast<std::uint8_t>(v.decimals), v.asset_symbol);
}

std::string renewals_words(std::int64_t count) {
    return std::to_string(count) + (count == 1 ? " renewal" : " renewals");
}

std::string_view failure_words(models::RenewalFailureReason reason) {
    switch (reason) {
        case models::RenewalFailureReason::InsufficientFunds:
            return "your wallet did not hold enough to pay it";
        case models::RenewalFailureReason::AllowanceExhausted:
            return "the amount you approved for renewals was used up";
        case models::RenewalFailureReason::DelegateRevoked:
            return "the approval for renewals was removed in your wallet";
        case models::RenewalFailureReason::TokenAccountClosed:
            return "the token account it renews from was closed";
        case models::RenewalFailureReason::AccountFrozen:
            return "the token account it renews from is frozen";
    }
    return "the payment did not go through";
}

// ---- steps -------------------------------------------------------------------------------------

void fetch_view(Builder& b) {
    const auto id = b.next_id();
    b.emit(effects::FetchView{id, b.ctx().membership_id, b.ctx().token});
    b.go(phases::Loading{id});
}

void show_overview(Builder& b) {
    auto& ctx = b.ctx();
    ctx.action.reset();
    ctx.approval.reset();
    ctx.signed_transaction.reset();
    b.go(phases::Overview{});
}

void connect(Builder& b) {
    const auto id = b.next_id();
    b.emit(effects::ConnectExtension{id});
    b.announce(kSayConnect);
    b.go(phases::ConnectingWallet{id});
}

void request_transaction(Builder& b) {
    auto& ctx = b.ctx();
    const auto id = b.next_id();
    ctx.approval.reset();
    ctx.signed_transaction.reset();
    b.emit(effects::RequestTransaction{id, ctx.membership_id, ctx.token, *ctx.action});
    b.go(phases::BuildingTransaction{id});
}

// The wallet part of a change: connect first (Phantom signs only for a connected page), then build.
void begin_change(Builder& b) {
    if (b.ctx().wallet) return request_transaction(b);
    connect(b);
}

void submit(Builder& b) {
    auto& ctx = b.ctx();
    const auto id = b.next_id();
    b.emit(effects::Submit{id, ctx.membership_id, ctx.token,
                           models::ManageSubmitRequest{*ctx.action, *ctx.signed_transaction}});
    b.announce(kSaySubmitting);
    b.go(phases::Submitting{id});
}

void network_error(Builder& b, Step step, const ApiFailure& failure) {
    b.announce(kSayNetwork);
    b.go(phases::NetworkError{step, failure});
}

// The server refused the change (409 conflict, 422 mismatch, …): show its reason over a fresh view.
void refused(Builder& b, const ApiFailure& failure) {
    auto& ctx = b.ctx();
    ctx.refusal = failure.message.empty() ? std::string("The change could not be made.") : failure.message;
    ctx.action.reset();
    ctx.approval.reset();
    ctx.signed_transaction.reset();
    b.announce(*ctx.refusal);
    fetch_view(b);
}

// ---- handlers ----------------------------------------------------------------------------------

void on(Builder& b, const events::Start& e) {
    if (!std::holds_alternative<phases::Booting>(b.state.phase)) return;
    auto& ctx = b.ctx();
    ctx.membership_id = e.membership_id;
    ctx.token = e.token;
    ctx.env = e.env;
    ctx.now = e.now;
    if (ctx.membership_id.empty() || ctx.token.empty()) {
        b.announce(kSayUnavailable);
        return b.go(phases::Unavailable{ApiFailure{404, ErrorCode::NotFound, "The link has no token."}});
    }
    fetch_view(b);
}

void on(Builder& b, const events::Tick& e) { b.ctx().now = e.now; }

void on(Builder& b, const events::Choose& e) {
    if (!std::holds_alternative<phases::Overview>(b.state.phase) || !can_choose(b.state, e.action)) return;
    auto& ctx = b.ctx();
    ctx.outcome.reset();
    ctx.refusal.reset();
    ctx.action = e.action;
    if (e.action == models::ManageAction::Cancel) {
        b.announce(kSayConfirmCancel);
        return b.go(phases::ConfirmCancel{});
    }
    begin_change(b);
}

void on(Builder& b, const events::Confirm&) {
    if (!std::holds_alternative<phases::ConfirmCancel>(b.state.phase)) return;
    begin_change(b);
}

void on(Builder& b, const events::Back&) {
    const auto& phase = b.state.phase;
    if (std::holds_alternative<phases::ConfirmCancel>(phase) ||
        std::holds_alternative<phases::ConnectingWallet>(phase) ||
        std::holds_alternative<phases::BuildingTransaction>(phase) ||
        std::holds_alternative<phases::AwaitingSignature>(phase) ||
        std::holds_alternative<phases::WrongWallet>(phase) ||
        std::holds_alternative<phases::WalletRejected>(phase)) {
        return show_overview(b);
    }
    if (const auto* error = std::get_if<phases::NetworkError>(&phase)) {
        // A signed change that may have reached the server: read the subscription again.
        if (error->step == Step::Submit) return fetch_view(b);
        if (error->step == Step::RequestTransaction) return show_overview(b);
    }
}

void on(Builder& b, const events::Retry&) {
    const auto& phase = b.state.phase;
    if (const auto* error = std::get_if<phases::NetworkError>(&phase)) {
        switch (error->step) {
            case Step::FetchView:
                return fetch_view(b);
            case Step::RequestTransaction:
                return request_transaction(b);
            case Step::Submit:
                return submit(b);
        }
    }
    if (const auto* rejected = std::get_if<phases::WalletRejected>(&phase)) {
        // A refused connection asks again; a refused signature gets a fresh transaction.
        if (rejected->step == WalletStep::Connect) b.ctx().wallet.reset();
        return begin_change(b);
    }
    if (std::holds_alternative<phases::WrongWallet>(phase)) {
        b.ctx().wallet.reset();
        return connect(b);
    }
}

void on(Builder& b, const events::OpenInPhantom&) {
    if (!std::holds_alternative<phases::Overview>(b.state.phase)) return;
    const auto& ctx = b.ctx();
    if (!ctx.env.mobile || ctx.env.extension_available || ctx.env.page_url.empty()) return;
    b.emit(effects::OpenDeeplink{phantom_browse_url(ctx.env.page_url + std::string(models::kManageTokenFragment) + ctx.token)});
}

void on(Builder& b, const events::ViewReplied& e) {
    if (!std::holds_alternative<phases::Loading>(b.state.phase) || !is_pending(b.state, e.request)) return;
    if (const auto* view = value_of(e.reply)) {
        b.ctx().view = *view;
        show_overview(b);
        return b.announce(status_sentence(b.state));
    }
    const auto& failure = failure_of(e.reply);
    if (retryable(failure)) return network_error(b, Step::FetchView, failure);
    b.announce(kSayUnavailable);
    b.go(phases::Unavailable{failure});
}

void on(Builder& b, const events::WalletConnected& e) {
    if (!std::holds_alternative<phases::ConnectingWallet>(b.state.phase) || !is_pending(b.state, e.request)) {
        return;
    }
    const auto& view = b.ctx().view;
    if (view && view->buyer_wallet && *view->buyer_wallet != e.public_key) {
        b.announce(kSayWrongWallet);
        return b.go(phases::WrongWallet{e.public_key});
    }
    b.ctx().wallet = e.public_key;
    request_transaction(b);
}

void on(Builder& b, const events::TransactionReplied& e) {
    if (!std::holds_alternative<phases::BuildingTransaction>(b.state.phase) || !is_pending(b.state, e.request)) {
        return;
    }
    if (const auto* tx = value_of(e.reply)) {
        b.ctx().approval = tx->approval;
        const auto id = b.next_id();
        b.emit(effects::SignWithExtension{id, tx->transaction});
        b.announce(kSaySign);
        return b.go(phases::AwaitingSignature{id, tx->transaction});
    }
    const auto& failure = failure_of(e.reply);
    if (retryable(failure)) return network_error(b, Step::RequestTransaction, failure);
    refused(b, failure);
}

void on(Builder& b, const events::WalletSigned& e) {
    if (!std::holds_alternative<phases::AwaitingSignature>(b.state.phase) || !is_pending(b.state, e.request)) {
        return;
    }
    if (e.signed_transaction.empty()) return;
    b.ctx().signed_transaction = e.signed_transaction;
    submit(b);
}

void on(Builder& b, const events::WalletFailed& e) {
    const auto& phase = b.state.phase;
    const bool connecting = std::holds_alternative<phases::ConnectingWallet>(phase);
    if ((!connecting && !std::holds_alternative<phases::AwaitingSignature>(phase)) ||
        !is_pending(b.state, e.request)) {
        return;
    }
    b.announce(wallet_error_text(e.code));
    b.go(phases::WalletRejected{connecting ? WalletStep::Connect : WalletStep::Sign, e.code, e.message});
}

void on(Builder& b, const events::SubmitReplied& e) {
    if (!std::holds_alternative<phases::Submitting>(b.state.phase) || !is_pending(b.state, e.request)) return;
    auto& ctx = b.ctx();
    if (const auto* view = value_of(e.reply)) {
        ctx.view = *view;
        ctx.outcome = ctx.action == models::ManageAction::Cancel ? Outcome::Cancelled : Outcome::Reapproved;
        show_overview(b);
        return b.announce(outcome_sentence(b.state));
    }
    const auto& failure = failure_of(e.reply);
    if (retryable(failure)) return network_error(b, Step::Submit, failure);
    refused(b, failure);
}

}  // namespace

State initial_state() { return State{Context{}, phases::Booting{}}; }

Transition reduce(const State& state, const Event& event) {
    Builder b{state, {}};
    std::visit([&b](const auto& e) { on(b, e); }, event);
    return Transition{std::move(b.state), std::move(b.effects)};
}

std::vector<RequestId> pending_requests(const State& state) {
    std::vector<RequestId> ids;
    std::visit(
        [&ids](const auto& phase) {
            if constexpr (requires { phase.request; }) {
                if (phase.request != 0) ids.push_back(phase.request);
            }
        },
        state.phase);
    return ids;
}

bool can_sign(const State& state) { return state.ctx.env.extension_available; }

bool can_choose(const State& state, models::ManageAction action) {
    const auto& view = state.ctx.view;
    if (!view || !can_sign(state)) return false;
    return action == models::ManageAction::Cancel ? view->can_cancel : view->can_reapprove;
}

std::string status_sentence(const State& state) {
    const auto& view = state.ctx.view;
    if (!view) return {};
    const auto& v = *view;
    const auto until = [](const std::optional<Timestamp>& at) {
        return at ? " until " + date_words(*at) : std::string();
    };
    switch (v.status) {
        case models::MembershipStatus::Expired:
            return "This membership has ended" +
                   (v.grace_period_end_at ? " (" + date_words(*v.grace_period_end_at) + ")" : std::string()) +
                   ". Buy it again from the seller to come back.";
        case models::MembershipStatus::Cancelled:
            return "This subscription is cancelled" +
                   (v.current_period_end_at ? "; your access ended on " + date_words(*v.current_period_end_at)
                                            : std::string()) +
                   ".";
        case models::MembershipStatus::Grace: {
            std::string text = "Your last renewal did not go through";
            if (v.subscription && v.subscription->last_failure) {
                text += ": " + std::string(failure_words(v.subscription->last_failure->reason));
            }
            text += ". Your access continues" + until(v.grace_period_end_at) + " while Hilt tries again";
            if (v.next_renewal_at) text += " (next on " + date_words(*v.next_renewal_at) + ")";
            return text + ".";
        }
        case models::MembershipStatus::Active:
            break;
    }
    if (v.cancellation) return "Cancelled. Your access lasts" + until(v.current_period_end_at) + ".";
    if (v.renewal_mode != models::RenewalMode::Automatic) {
        return "Active" + until(v.current_period_end_at) + ". It does not renew by itself.";
    }
    if (v.next_renewal_at) {
        return "Renews automatically on " + date_words(*v.next_renewal_at) + ": " + price_words(v) +
               every_words(v.billing_interval_days) + ".";
    }
    return "Active" + until(v.current_period_end_at) + ".";
}

std::string allowance_sentence(const State& state) {
    const auto& view = state.ctx.view;
    if (!view || !view->subscription || view->cancellation) return {};
    const auto& v = *view;
    if (v.status == models::MembershipStatus::Expired || v.status == models::MembershipStatus::Cancelled) return {};
    const auto& s = *v.subscription;
    if (!s.delegate_approved) {
        return "Your wallet no longer lets Hilt take renewals, so this subscription cannot renew. "
               "Approve more renewals to keep it.";
    }
    const auto total = money_words(s.delegated_minor_units, static_cast<std::uint8_t>(v.decimals), v.asset_symbol);
    std::string text = "Your wallet's approval covers " + std::to_string(s.renewals_covered) + " more " +
                       (s.renewals_covered == 1 ? "renewal" : "renewals") + " (" + total +
                       (s.other_subscriptions > 0 ? ", shared with your other Hilt subscriptions" : "") + ").";
    if (s.renewals_covered == 0) text += " Approve more renewals to keep this subscription.";
    return text;
}

std::string cancel_sentence(const State& state) {
    const auto& view = state.ctx.view;
    if (!view) return {};
    const auto& v = *view;
    std::string text = "Hilt will not renew \u201c" + v.title + "\u201d again.";
    if (v.current_period_end_at) text += " You keep access until " + date_words(*v.current_period_end_at) + ".";
    if (v.subscription && v.subscription->other_subscriptions > 0) {
        text += " Phantom will ask you to lower the amount Hilt may take from this wallet; your other Hilt "
                "subscriptions keep theirs.";
    } else {
        text += " Phantom will ask you to remove Hilt's permission to take renewals from this wallet.";
    }
    return text;
}

std::string outcome_sentence(const State& state) {
    const auto& ctx = state.ctx;
    if (!ctx.outcome || !ctx.view) return {};
    const auto& v = *ctx.view;
    if (*ctx.outcome == Outcome::Cancelled) {
        std::string text = "Your subscription is cancelled. Nothing more will be taken";
        if (v.current_period_end_at) text += "; your access lasts until " + date_words(*v.current_period_end_at);
        return text + ".";
    }
    std::string text = "Thank you: Hilt may renew your subscription again";
    if (v.subscription && v.subscription->last_failure) text += " and will retry the failed renewal shortly";
    return text + ".";
}

std::string approval_sentence(const State& state) {
    const auto& ctx = state.ctx;
    if (!ctx.approval || !ctx.view) return {};
    const auto& a = *ctx.approval;
    const auto& v = *ctx.view;
    const auto money = [&v](std::int64_t amount) {
        return money_words(amount, static_cast<std::uint8_t>(v.decimals), v.asset_symbol);
    };
    if (ctx.action == models::ManageAction::Reapprove) {
        const auto added = std::max<std::int64_t>(0, a.allowance_minor_units - a.existing_allowance_minor_units);
        return "You allow Hilt to take up to " + money(added) + " more from this wallet's " + v.asset_symbol + ": " +
               price_words(v) + every_words(v.billing_interval_days) + ", for up to " + renewals_words(a.allowance_periods) +
               ". The wallet's whole approval becomes " + money(a.allowance_minor_units) + ".";
    }
    return "Your other Hilt subscriptions keep an approval of " + money(a.allowance_minor_units) +
           " on this wallet; this one will not be renewed.";
}

namespace {
constexpr std::array<std::string_view, std::variant_size_v<Phase>> kPhaseNames = {
    "booting",           "loading",           "overview",      "confirm_cancel",
    "connecting_wallet", "building_transaction", "awaiting_signature", "submitting",
    "wrong_wallet",      "wallet_rejected",   "network_error", "unavailable",
};
}  // namespace

std::string_view state_name(const State& state) { return kPhaseNames[state.phase.index()]; }

std::string_view to_string(Step step) {
    switch (step) {
        case Step::FetchView:
            return "fetch_view";
        case Step::RequestTransaction:
            return "request_transaction";
        case Step::Submit:
            return "submit";
    }
    return "unknown";
}

std::string_view to_string(Outcome outcome) {
    return outcome == Outcome::Cancelled ? "cancelled" : "reapproved";
}

std::string describe(const State& state) {
    using Json = nlohmann::json;
    const auto& ctx = state.ctx;
    Json out = Json::object();
    out["page"] = "manage";
    out["state"] = std::string(state_name(state));
    out["membership_id"] = ctx.membership_id;
    out["can_cancel"] = can_choose(state, models::ManageAction::Cancel);
    out["can_reapprove"] = can_choose(state, models::ManageAction::Reapprove);
    out["sentence"] = status_sentence(state);
    if (ctx.view) {
        out["status"] = std::string(models::to_string(ctx.view->status));
        if (ctx.view->next_renewal_at) out["next_renewal_at"] = models::format_timestamp(*ctx.view->next_renewal_at);
        if (ctx.view->cancellation) out["cancelled"] = true;
        if (auto allowance = allowance_sentence(state); !allowance.empty()) out["allowance"] = allowance;
    }
    if (ctx.action) out["action"] = std::string(models::to_string(*ctx.action));
    if (ctx.outcome) {
        out["outcome"] = std::string(to_string(*ctx.outcome));
        out["outcome_text"] = outcome_sentence(state);
    }
    if (ctx.refusal) out["refusal"] = *ctx.refusal;
    if (ctx.wallet) out["wallet"] = ctx.wallet->to_base58();
    if (auto approval = approval_sentence(state); !approval.empty()) out["approval"] = approval;
    std::visit(
        [&out](const auto& phase) {
            using P = std::decay_t<decltype(phase)>;
            if constexpr (std::is_same_v<P, phases::WrongWallet>) {
                out["connected"] = phase.connected.to_base58();
            } else if constexpr (std::is_same_v<P, phases::WalletRejected>) {
                out["step"] = std::string(flow::to_string(phase.step));
                out["code"] = phase.code;
            } else if constexpr (std::is_same_v<P, phases::NetworkError>) {
                out["step"] = std::string(to_string(phase.step));
                out["http_status"] = phase.failure.http_status;
            } else if constexpr (std::is_same_v<P, phases::Unavailable>) {
                out["http_status"] = phase.failure.http_status;
            }
        },
        state.phase);
    return out.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace hilt::flow::manage
