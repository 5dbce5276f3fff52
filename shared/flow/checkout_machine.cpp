// shared/flow/checkout_machine.cpp: reduce() and its helpers. See checkout_machine.h for the
// contract.
//
// Must never: read a clock, perform I/O or draw random numbers; every helper below only rewrites
// the Builder's state and appends effects.
#include "flow/checkout_machine.h"

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>
#include <utility>

#include "flow/renewal_wording.h"

namespace hilt::flow {

namespace {

// ---- words for the aria-live region ------------------------------------------------------------
constexpr std::string_view kSayConnectExtension = "Approve the connection in Phantom.";
constexpr std::string_view kSayOpeningPhantom = "Opening Phantom.";
constexpr std::string_view kSayNoAppSwitch =
    "Paying in the Phantom app is not available for this checkout. Choose another way to pay.";
constexpr std::string_view kSayApprovePayment = "Review and approve the payment in Phantom.";
constexpr std::string_view kSayOpeningPhantomToSign = "Opening Phantom to approve the payment.";
constexpr std::string_view kSayReadApproval = "Read the renewal approval, then continue in Phantom.";
constexpr std::string_view kSaySending = "Sending your payment.";
constexpr std::string_view kSaySent = "Payment sent. Waiting for confirmation.";
constexpr std::string_view kSayScan = "Scan the QR code with your wallet app to pay.";
constexpr std::string_view kSayConfirmed = "Payment confirmed.";
constexpr std::string_view kSayFailed = "The payment failed.";
constexpr std::string_view kSayExpired = "This checkout session has expired.";
constexpr std::string_view kSayNetwork = "Connection problem. You can try again.";
constexpr std::string_view kSayFinalMinute = "One minute left to pay.";
constexpr std::string_view kSayPaymentLinkCopied = "Payment link copied.";
constexpr std::string_view kSayLinkCopied = "Link copied.";
constexpr std::string_view kSayHandoffProblem =
    "Your personal checkout link could not be used. You can still pay with your wallet.";

constexpr std::string_view kPhantomBrowsePrefix = "https://phantom.app/ul/browse/";

// ---- small helpers -----------------------------------------------------------------------------
// The current phase as P, or null.
template <typename P>
P* phase_as(State& state) {
    return std::get_if<P>(&state.phase);
}

template <typename T>
const T* value_of(const Reply<T>& reply) {
    return std::get_if<T>(&reply);
}

// The failure of a reply that holds no value (callers check value_of first).
const ApiFailure& failure_of(const auto& reply) {
    static const ApiFailure kUnknown{};
    const ApiFailure* failure = std::get_if<ApiFailure>(&reply);
    return failure != nullptr ? *failure : kUnknown;
}

// How a failed API call moves the machine.
enum class FailureClass : std::uint8_t {
    Retryable,       // no answer, 408, 429, 5xx: keep everything and offer Retry
    SessionExpired,  // 410 session_expired
    Conflict,        // 409: the payment already moved on (paid elsewhere, already broadcast)
    Handoff,         // the handoff token was refused (invalid / expired / used)
    Fatal,           // anything else: the request can never succeed as it is
};

bool is_handoff_code(std::optional<ErrorCode> code) {
    return code == ErrorCode::HandoffInvalid || code == ErrorCode::HandoffExpired ||
           code == ErrorCode::HandoffUsed;
}

FailureClass classify(const ApiFailure& failure) {
    const int status = failure.http_status;
    if (status == 0 || status == 408 || status == 429 || status >= 500)
        return FailureClass::Retryable;
    if (is_handoff_code(failure.code)) return FailureClass::Handoff;
    if (failure.code == ErrorCode::SessionExpired) return FailureClass::SessionExpired;
    if (status == 410 && failure.code != ErrorCode::ProductArchived)
        return FailureClass::SessionExpired;
    if (status == 409 && failure.code != ErrorCode::IdempotencyMismatch)
        return FailureClass::Conflict;
    return FailureClass::Fatal;
}

bool session_expired_locally(const Context& ctx) {
    return ctx.session && ctx.now && *ctx.now >= ctx.session->expires_at;
}

// Solana Pay: nobody here signs; the buyer pays from another wallet.
bool awaiting_outside_payment(const Context& ctx) {
    return ctx.route == CheckoutRoute::SolanaPayQr && !ctx.signed_transaction;
}

// encodeURIComponent: everything but A-Z a-z 0-9 - _ . ! ~ * ' ( ) is percent-encoded as UTF-8
// bytes.
std::string encode_uri_component(std::string_view text) {
    constexpr std::string_view kHex = "0123456789ABCDEF";
    constexpr std::string_view kKeep = "-_.!~*'()";
    std::string out;
    out.reserve(text.size() * 3);
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        const bool alnum = (byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z') ||
                           (byte >= '0' && byte <= '9');
        if (alnum || kKeep.find(c) != std::string_view::npos) {
            out += c;
        } else {
            out += '%';
            out += kHex[byte >> 4];
            out += kHex[byte & 0x0f];
        }
    }
    return out;
}

// "https://host:port" of an absolute URL; the whole text when it has no path.
std::string_view url_origin(std::string_view url) {
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) return url;
    const auto path = url.find_first_of("/?#", scheme_end + 3);
    return path == std::string_view::npos ? url : url.substr(0, path);
}


// ---- the builder every handler edits -----------------------------------------------------------
struct Builder {
    State state;
    std::vector<Effect> effects;

    Context& ctx() { return state.ctx; }
    RequestId next_id() { return ++state.ctx.last_request; }
    void emit(Effect effect) { effects.push_back(std::move(effect)); }
    void announce(std::string_view text) { emit(effects::Announce{std::string(text)}); }
    void go(Phase phase) { state.phase = std::move(phase); }
};

SessionSnapshot make_snapshot(const Context& ctx, SnapshotStage stage, RequestId deeplink_request) {
    SessionSnapshot snapshot;
    snapshot.slug = ctx.slug;
    snapshot.handoff_token = ctx.handoff_token;
    snapshot.handoff = ctx.handoff;
    snapshot.route = ctx.route.value_or(CheckoutRoute::PhantomExtension);
    if (ctx.session) snapshot.session = *ctx.session;
    if (ctx.wallet) snapshot.buyer_wallet = ctx.wallet->public_key;
    snapshot.stage = stage;
    snapshot.deeplink_request = deeplink_request;
    snapshot.tx_signature = ctx.tx_signature;
    snapshot.last_request = ctx.last_request;
    return snapshot;
}

void persist(Builder& b, SnapshotStage stage, RequestId deeplink_request = 0) {
    b.emit(effects::PersistSession{make_snapshot(b.ctx(), stage, deeplink_request)});
}

// ---- terminal and side exits -------------------------------------------------------------------
void expire(Builder& b) {
    b.go(phases::Expired{});
    b.announce(kSayExpired);
    b.emit(effects::ClearSession{b.ctx().slug});
}

void fail(Builder& b, std::optional<models::FailureReason> reason, std::optional<ErrorCode> error,
          std::string message) {
    b.go(phases::Failed{reason, error, std::move(message)});
    b.announce(kSayFailed);
    b.emit(effects::ClearSession{b.ctx().slug});
}

void fail_request(Builder& b, const ApiFailure& failure) {
    const std::optional<models::FailureReason> reason =
        failure.http_status == 422 ? std::optional{models::FailureReason::VerificationFailed}
                                   : std::nullopt;
    fail(b, reason, failure.code, failure.message);
}

// A payment the server reports FAILED: EXPIRED is its own screen.
void payment_failed(Builder& b, std::optional<models::FailureReason> reason) {
    if (reason == models::FailureReason::Expired) {
        expire(b);
    } else {
        fail(b, reason, std::nullopt, {});
    }
}

void network_error(Builder& b, RetryStep step, const ApiFailure& failure) {
    b.go(phases::NetworkError{step, failure});
    b.announce(kSayNetwork);
}

void wallet_rejected(Builder& b, WalletStep step, int code, std::string message) {
    b.go(phases::WalletRejected{step, code, std::move(message)});
    b.announce(wallet_error_text(code));
}

// ---- the steps ---------------------------------------------------------------------------------
void show_product(Builder& b) {
    auto& ctx = b.ctx();
    ctx.approval.reset();  // the next transaction states its own
    if (session_expired_locally(ctx)) {
        ctx.session.reset();
        ctx.final_minute_announced = false;
        b.emit(effects::ClearSession{ctx.slug});
    }
    ctx.route.reset();
    b.go(phases::ProductShown{});
}

void schedule_poll(Builder& b, phases::Confirming& confirming, std::uint32_t after_ms) {
    if (!b.ctx().visible || !b.ctx().session) {
        confirming.poll_request = 0;  // paused; PageVisibilityChanged{true} restarts the schedule
        return;
    }
    confirming.poll_request = b.next_id();
    b.emit(effects::PollStatus{confirming.poll_request, b.ctx().session->payment_id, after_ms});
}

// The next poll on the backoff schedule: 1 s, 2 s, 4 s, 8 s, 8 s, ...
void schedule_next_poll(Builder& b, phases::Confirming& confirming) {
    const std::uint32_t delay = poll_delay_ms(confirming.attempt);
    if (delay < kMaxPollDelayMs) ++confirming.attempt;  // saturates once the cap is reached
    schedule_poll(b, confirming, delay);
}

// `now`: look at once (a reload, a conflict) before the schedule starts; else wait the first delay.
void enter_confirming(Builder& b, bool now) {
    phases::Confirming confirming;
    confirming.external = awaiting_outside_payment(b.ctx());
    if (now) {
        schedule_poll(b, confirming, 0);
    } else {
        schedule_next_poll(b, confirming);
    }
    b.go(confirming);
}

void request_confirm(Builder& b, phases::Confirming confirming) {
    confirming.poll_request = 0;
    confirming.confirm_request = b.next_id();
    b.emit(effects::Confirm{confirming.confirm_request, b.ctx().session->payment_id,
                            b.ctx().tx_signature});
    b.go(confirming);
}

void start_session(Builder& b) {
    const auto& ctx = b.ctx();
    effects::StartSession start;
    start.request = b.next_id();
    start.slug = ctx.slug;
    if (ctx.wallet) start.buyer_wallet = ctx.wallet->public_key;
    start.handoff_token = ctx.handoff_token;
    start.route = ctx.route.value_or(CheckoutRoute::PhantomExtension);
    b.go(phases::RouteChosen{start.request});
    b.emit(std::move(start));
}

void build_transaction(Builder& b) {
    if (session_expired_locally(b.ctx())) return expire(b);
    const RequestId id = b.next_id();
    b.go(phases::BuildingTransaction{id});
    b.emit(
        effects::RequestTransaction{id, b.ctx().session->payment_id, b.ctx().wallet->public_key});
}

void start_broadcast(Builder& b) {
    if (!b.ctx().signed_transaction || b.ctx().signed_transaction->empty()) return show_product(b);
    const RequestId id = b.next_id();
    b.go(phases::Broadcasting{id});
    b.emit(effects::Broadcast{id, b.ctx().session->payment_id, *b.ctx().signed_transaction});
    b.announce(kSaySending);
}

// The session exists and ctx.route is set: take the lane's next step.
void continue_route(Builder& b) {
    auto& ctx = b.ctx();
    if (session_expired_locally(ctx)) return expire(b);
    switch (ctx.route.value_or(CheckoutRoute::PhantomExtension)) {
        case CheckoutRoute::SolanaPayQr:
            enter_confirming(b, false);
            b.announce(kSayScan);
            return;
        case CheckoutRoute::PhantomExtension: {
            const RequestId id = b.next_id();
            b.go(phases::ConnectingWallet{id});
            b.emit(effects::ConnectExtension{id});
            b.announce(kSayConnectExtension);
            return;
        }
        case CheckoutRoute::PhantomMobile: {
            if (ctx.wallet && ctx.wallet->route == CheckoutRoute::PhantomMobile)
                return build_transaction(b);
            if (!ctx.session->phantom_mobile) {
                show_product(b);
                b.announce(kSayNoAppSwitch);
                return;
            }
            const RequestId id = b.next_id();
            b.go(phases::ConnectingWallet{id});
            persist(b, SnapshotStage::AwaitingConnect, id);
            b.emit(effects::OpenConnectDeeplink{id, ctx.session->phantom_mobile->app_url,
                                                ctx.session->phantom_mobile->cluster});
            b.announce(kSayOpeningPhantom);
            return;
        }
    }
}

void apply_resume(Builder& b, Resume resume);

void finish_loading(Builder& b) {
    auto& ctx = b.ctx();
    if (ctx.resume) {
        Resume resume = std::move(*ctx.resume);
        ctx.resume.reset();
        return apply_resume(b, std::move(resume));
    }
    show_product(b);
    if (ctx.handoff_problem) b.announce(kSayHandoffProblem);
}

bool loaded(const phases::Loading& loading) {
    return loading.payload_request == 0 && loading.handoff_request == 0 && loading.session_request == 0;
}

// Payload first, the handoff identity when a token came with the link and no session holds it yet,
// and the session a ?payment= link names.
void enter_loading(Builder& b) {
    auto& ctx = b.ctx();
    phases::Loading loading;
    if (!ctx.payload) {
        loading.payload_request = b.next_id();
        b.emit(effects::FetchPayload{loading.payload_request, ctx.slug});
    }
    if (ctx.handoff_token && !ctx.handoff && !ctx.handoff_problem && !ctx.session) {
        loading.handoff_request = b.next_id();
        b.emit(effects::ResolveHandoff{loading.handoff_request, *ctx.handoff_token});
    }
    if (ctx.resume_payment_id && !ctx.session) {
        loading.session_request = b.next_id();
        b.emit(effects::FetchSession{loading.session_request, *ctx.resume_payment_id});
    }
    if (loaded(loading)) return finish_loading(b);
    b.go(loading);
}

const PhantomRedirect* matching_redirect(const Context& ctx, const Resume& resume) {
    if (!resume.redirect || resume.deeplink_request == 0) return nullptr;
    if (resume.redirect->request != resume.deeplink_request) return nullptr;  // an old redirect URL
    if (ctx.route != CheckoutRoute::PhantomMobile) return nullptr;
    return &*resume.redirect;
}

// A reloaded page continues where the snapshot left off (the payload has just loaded).
void apply_resume(Builder& b, Resume resume) {
    auto& ctx = b.ctx();
    const PhantomRedirect* redirect = matching_redirect(ctx, resume);
    switch (resume.stage) {
        case SnapshotStage::SessionStarted:
            if (ctx.route == CheckoutRoute::SolanaPayQr) return enter_confirming(b, true);
            return show_product(b);
        case SnapshotStage::Submitted:
            return enter_confirming(b, true);
        case SnapshotStage::AwaitingConnect:
            if (redirect == nullptr) return show_product(b);
            if (const auto* ok = std::get_if<redirect::ConnectApproved>(&redirect->result)) {
                if (session_expired_locally(ctx)) return expire(b);
                ctx.wallet = ConnectedWallet{CheckoutRoute::PhantomMobile, ok->public_key};
                return build_transaction(b);
            }
            if (const auto* no = std::get_if<redirect::Rejected>(&redirect->result)) {
                return wallet_rejected(b, WalletStep::Connect, no->code, no->message);
            }
            if (const auto* bad = std::get_if<redirect::Unreadable>(&redirect->result)) {
                return wallet_rejected(b, WalletStep::Connect, phantom_codes::kInternalError,
                                       bad->message);
            }
            return show_product(b);  // a signature answer to a connect request: not ours
        case SnapshotStage::AwaitingSignature:
            if (redirect == nullptr || !ctx.wallet) return show_product(b);
            if (const auto* ok = std::get_if<redirect::SignApproved>(&redirect->result)) {
                if (ok->signed_transaction.empty()) {
                    return wallet_rejected(b, WalletStep::Sign, phantom_codes::kInternalError,
                                           "Phantom returned no signed transaction.");
                }
                // Broadcast even when the countdown ran out meanwhile: the server decides (410),
                // and a signed payment is never dropped on the client's word.
                ctx.signed_transaction = ok->signed_transaction;
                return start_broadcast(b);
            }
            if (const auto* no = std::get_if<redirect::Rejected>(&redirect->result)) {
                return wallet_rejected(b, WalletStep::Sign, no->code, no->message);
            }
            if (const auto* bad = std::get_if<redirect::Unreadable>(&redirect->result)) {
                return wallet_rejected(b, WalletStep::Sign, phantom_codes::kInternalError,
                                       bad->message);
            }
            return show_product(b);
    }
}

// Phases that hold a live session and nothing signed yet end when the countdown reaches zero. After
// a signature the server alone decides (a late transaction is still recorded), and a Solana Pay
// buyer may have paid in the last second, so those keep polling until the status says EXPIRED.
bool expires_locally(const Phase& phase) {
    if (std::holds_alternative<phases::ConnectingWallet>(phase) ||
        std::holds_alternative<phases::BuildingTransaction>(phase) ||
        std::holds_alternative<phases::AwaitingSignature>(phase) ||
        std::holds_alternative<phases::WalletRejected>(phase)) {
        return true;
    }
    if (const auto* error = std::get_if<phases::NetworkError>(&phase)) {
        return error->step == RetryStep::RequestTransaction;
    }
    return false;
}

// Where the countdown is on screen and worth a spoken warning.
bool counts_down(const State& state) {
    if (expires_locally(state.phase)) return true;
    const auto* confirming = std::get_if<phases::Confirming>(&state.phase);
    return confirming != nullptr && confirming->external;
}

// ---- event handlers: each returns without touching the builder when the event does not apply ---
void on(Builder& b, const events::Start& event) {
    if (!std::holds_alternative<phases::Booting>(b.state.phase)) return;
    auto& ctx = b.ctx();
    ctx.slug = event.slug;
    ctx.handoff_token = event.handoff_token;
    ctx.resume_payment_id = event.payment_id;
    ctx.env = event.env;
    ctx.now = event.now;
    ctx.visible = event.visible;
    enter_loading(b);
}

void on(Builder& b, const events::Restore& event) {
    if (!std::holds_alternative<phases::Booting>(b.state.phase)) return;
    const SessionSnapshot& snapshot = event.snapshot;
    auto& ctx = b.ctx();
    ctx.slug = snapshot.slug;
    ctx.env = event.env;
    ctx.now = event.now;
    ctx.visible = event.visible;
    ctx.last_request = std::max(snapshot.last_request, snapshot.deeplink_request);
    if (snapshot.version != kSnapshotVersion || snapshot.session.payment_id.empty()) {
        // Unusable: start over as a plain page load would, and forget it.
        b.emit(effects::ClearSession{ctx.slug});
        return enter_loading(b);
    }
    ctx.handoff_token = snapshot.handoff_token;
    ctx.handoff = snapshot.handoff;
    ctx.route = snapshot.route;
    ctx.session = snapshot.session;
    if (snapshot.buyer_wallet) ctx.wallet = ConnectedWallet{snapshot.route, *snapshot.buyer_wallet};
    ctx.tx_signature = snapshot.tx_signature;
    ctx.resume = Resume{snapshot.stage, snapshot.deeplink_request, event.redirect};
    enter_loading(b);
}

void on(Builder& b, const events::Tick& event) {
    if (std::holds_alternative<phases::Booting>(b.state.phase)) return;
    auto& ctx = b.ctx();
    ctx.now = event.now;
    const auto remaining = seconds_remaining(b.state);
    if (remaining && *remaining > 0 && *remaining <= kFinalMinuteSeconds &&
        !ctx.final_minute_announced && counts_down(b.state)) {
        ctx.final_minute_announced = true;
        b.announce(kSayFinalMinute);
    }
    if (!session_expired_locally(ctx)) return;
    if (expires_locally(b.state.phase)) return expire(b);
    if (std::holds_alternative<phases::ProductShown>(b.state.phase)) show_product(b);
}

void on(Builder& b, const events::PageVisibilityChanged& event) {
    if (std::holds_alternative<phases::Booting>(b.state.phase)) return;
    if (b.ctx().visible == event.visible) return;
    b.ctx().visible = event.visible;
    auto* confirming = phase_as<phases::Confirming>(b.state);
    if (confirming == nullptr) return;
    if (!event.visible) {
        confirming->poll_request = 0;  // a reply to the poll in flight is now stale
        return;
    }
    if (confirming->confirm_request != 0) return;  // the confirm answer will decide
    confirming->attempt = 0;  // the buyer is back: look now, then 1 s, 2 s, ...
    schedule_poll(b, *confirming, 0);
}

void on(Builder& b, const events::ChooseRoute& event) {
    if (!std::holds_alternative<phases::ProductShown>(b.state.phase)) return;
    if (!route_available(b.state, event.route)) return;
    auto& ctx = b.ctx();
    ctx.route = event.route;
    if (session_expired_locally(ctx)) {
        ctx.session.reset();
        ctx.final_minute_announced = false;
    }
    if (!ctx.session) return start_session(b);
    continue_route(b);  // reuse the live session (its handoff binding is already spent)
}

void on(Builder& b, const events::Retry&) {
    auto& ctx = b.ctx();
    if (const auto* rejected = phase_as<phases::WalletRejected>(b.state)) {
        if (rejected->step == WalletStep::Sign && ctx.wallet) return build_transaction(b);
        return continue_route(b);
    }
    const auto* error = phase_as<phases::NetworkError>(b.state);
    if (error == nullptr) return;
    switch (error->step) {
        case RetryStep::FetchPayload:
        case RetryStep::ResolveHandoff:
            return enter_loading(b);
        case RetryStep::StartSession:
            return start_session(b);
        case RetryStep::RequestTransaction:
            return build_transaction(b);
        case RetryStep::Broadcast:
            return start_broadcast(b);  // the same signed bytes: broadcast is idempotent for them
        case RetryStep::Confirm: {
            phases::Confirming confirming;
            confirming.external = awaiting_outside_payment(ctx);
            return request_confirm(b, confirming);
        }
    }
}

void on(Builder& b, const events::Back&) {
    const Phase& phase = b.state.phase;
    if (std::holds_alternative<phases::ConnectingWallet>(phase) ||
        std::holds_alternative<phases::BuildingTransaction>(phase) ||
        std::holds_alternative<phases::AwaitingSignature>(phase) ||
        std::holds_alternative<phases::WalletRejected>(phase)) {
        return show_product(b);
    }
    if (const auto* error = std::get_if<phases::NetworkError>(&phase)) {
        if (error->step == RetryStep::StartSession ||
            error->step == RetryStep::RequestTransaction) {
            show_product(b);
        }
        return;
    }
    if (const auto* confirming = std::get_if<phases::Confirming>(&phase)) {
        // Only a Solana Pay wait may be left; after our own broadcast the money is in flight.
        if (confirming->external && confirming->confirm_request == 0) show_product(b);
    }
}

void on(Builder& b, const events::CopyLink&) {
    const auto& ctx = b.ctx();
    if (!ctx.session || std::holds_alternative<phases::Loading>(b.state.phase)) return;
    b.emit(effects::CopyToClipboard{ctx.session->solana_pay_url});
    b.announce(kSayPaymentLinkCopied);
}

void on(Builder& b, const events::OpenInPhantom&) {
    const auto& ctx = b.ctx();
    if (!std::holds_alternative<phases::ProductShown>(b.state.phase)) return;
    if (!ctx.env.mobile || ctx.env.extension_available) return;
    if (ctx.session && ctx.session->phantom_mobile) {
        return b.emit(effects::OpenDeeplink{ctx.session->phantom_mobile->browse_url});
    }
    if (ctx.env.page_url.empty()) return;
    b.emit(effects::OpenDeeplink{phantom_browse_url(ctx.env.page_url)});
}

void on(Builder& b, const events::ContinueInPhantom&) {
    auto* signing = phase_as<phases::AwaitingSignature>(b.state);
    if (signing == nullptr || !signing->held) return;
    if (b.ctx().route != CheckoutRoute::PhantomMobile) return;
    if (session_expired_locally(b.ctx())) return expire(b);
    const RequestId id = b.next_id();
    signing->request = id;
    signing->held = false;
    const std::string transaction = signing->transaction;
    persist(b, SnapshotStage::AwaitingSignature, id);
    b.emit(effects::OpenSignDeeplink{id, transaction});
    b.announce(kSayOpeningPhantomToSign);
}

void on(Builder& b, const events::PayloadReplied& event) {
    auto* loading = phase_as<phases::Loading>(b.state);
    if (loading == nullptr || event.request == 0 || loading->payload_request != event.request)
        return;
    if (const auto* payload = value_of(event.reply)) {
        b.ctx().payload = *payload;
        loading->payload_request = 0;
        if (loaded(*loading)) finish_loading(b);
        return;
    }
    const ApiFailure& failure = failure_of(event.reply);
    if (classify(failure) == FailureClass::Retryable) {
        return network_error(b, RetryStep::FetchPayload, failure);
    }
    fail(b, std::nullopt, failure.code.value_or(ErrorCode::NotFound), failure.message);
}

void on(Builder& b, const events::HandoffReplied& event) {
    auto* loading = phase_as<phases::Loading>(b.state);
    if (loading == nullptr || event.request == 0 || loading->handoff_request != event.request)
        return;
    auto& ctx = b.ctx();
    if (const auto* handoff = value_of(event.reply)) {
        if (handoff->slug == ctx.slug) {
            ctx.handoff = *handoff;
        } else {  // a link for another product: do not show its identity here
            ctx.handoff_problem = ErrorCode::HandoffInvalid;
            ctx.handoff_token.reset();
        }
    } else {
        const ApiFailure& failure = failure_of(event.reply);
        if (classify(failure) == FailureClass::Retryable) {
            return network_error(b, RetryStep::ResolveHandoff, failure);
        }
        ctx.handoff_problem =
            is_handoff_code(failure.code) ? *failure.code : ErrorCode::HandoffInvalid;
        ctx.handoff_token.reset();
    }
    loading->handoff_request = 0;
    if (loaded(*loading)) finish_loading(b);
}

// The answer to a ?payment= link's session: continued when it is this product's and still open (the
// buyer picks a way to pay with it, or, once a transaction was sent, watches it confirm); otherwise,
// or when it could not be read, the page goes on as a plain load (a new session when the buyer pays).
void resume_session(Builder& b, phases::Loading& loading, const events::SessionReplied& event) {
    auto& ctx = b.ctx();
    loading.session_request = 0;
    ctx.resume_payment_id.reset();
    const auto* session = value_of(event.reply);
    if (session != nullptr && session->slug == ctx.slug) {
        switch (session->status) {
            case models::PaymentStatus::PendingSignature:
                ctx.session = *session;
                ctx.resume = Resume{SnapshotStage::SessionStarted, 0, std::nullopt};
                break;
            case models::PaymentStatus::PendingConfirmation:
            case models::PaymentStatus::Confirmed:
                ctx.session = *session;
                ctx.resume = Resume{SnapshotStage::Submitted, 0, std::nullopt};
                break;
            case models::PaymentStatus::Failed:
                break;
        }
    }
    if (loaded(loading)) finish_loading(b);
}

void on(Builder& b, const events::SessionReplied& event) {
    if (auto* loading = phase_as<phases::Loading>(b.state)) {
        if (event.request != 0 && loading->session_request == event.request) resume_session(b, *loading, event);
        return;
    }
    const auto* chosen = phase_as<phases::RouteChosen>(b.state);
    if (chosen == nullptr || event.request == 0 || chosen->session_request != event.request) return;
    auto& ctx = b.ctx();
    if (const auto* session = value_of(event.reply)) {
        ctx.session = *session;
        ctx.final_minute_announced = false;
        if (ctx.route != CheckoutRoute::PhantomMobile) persist(b, SnapshotStage::SessionStarted);
        return continue_route(b);
    }
    const ApiFailure& failure = failure_of(event.reply);
    switch (classify(failure)) {
        case FailureClass::Retryable:
            return network_error(b, RetryStep::StartSession, failure);
        case FailureClass::Handoff:
            ctx.handoff_problem = *failure.code;
            ctx.handoff_token.reset();
            ctx.handoff.reset();
            show_product(b);
            b.announce(kSayHandoffProblem);
            return;
        case FailureClass::SessionExpired:
        case FailureClass::Conflict:
        case FailureClass::Fatal:
            return fail_request(b, failure);
    }
}

void on(Builder& b, const events::WalletConnected& event) {
    const auto* connecting = phase_as<phases::ConnectingWallet>(b.state);
    if (connecting == nullptr || event.request == 0 || connecting->request != event.request) return;
    if (b.ctx().route != CheckoutRoute::PhantomExtension)
        return;  // deeplinks answer through Restore
    b.ctx().wallet = ConnectedWallet{CheckoutRoute::PhantomExtension, event.public_key};
    build_transaction(b);
}

void on(Builder& b, const events::WalletFailed& event) {
    if (event.request == 0) return;
    if (const auto* connecting = phase_as<phases::ConnectingWallet>(b.state)) {
        if (connecting->request != event.request) return;
        return wallet_rejected(b, WalletStep::Connect, event.code, event.message);
    }
    if (const auto* signing = phase_as<phases::AwaitingSignature>(b.state)) {
        if (signing->request != event.request) return;
        return wallet_rejected(b, WalletStep::Sign, event.code, event.message);
    }
}

void on(Builder& b, const events::TransactionReplied& event) {
    const auto* building = phase_as<phases::BuildingTransaction>(b.state);
    if (building == nullptr || event.request == 0 || building->request != event.request) return;
    auto& ctx = b.ctx();
    if (const auto* response = value_of(event.reply)) {
        if (response->transaction.empty()) {
            return fail(b, std::nullopt, ErrorCode::MalformedTransaction,
                        "The server sent an empty transaction.");
        }
        ctx.approval = response->approval;
        // The approval's words go with the spoken prompt: a screen reader hears them before signing.
        const auto with_approval = [&b](std::string_view prompt) {
            const std::string words = approval_wording(b.state);
            return words.empty() ? std::string(prompt) : std::string(prompt) + " " + words;
        };
        if (ctx.route == CheckoutRoute::PhantomMobile && ctx.approval) {
            b.go(phases::AwaitingSignature{0, response->transaction, true});
            b.announce(with_approval(kSayReadApproval));
            return;
        }
        const RequestId id = b.next_id();
        b.go(phases::AwaitingSignature{id, response->transaction});
        if (ctx.route == CheckoutRoute::PhantomMobile) {
            persist(b, SnapshotStage::AwaitingSignature, id);
            b.emit(effects::OpenSignDeeplink{id, response->transaction});
            b.announce(kSayOpeningPhantomToSign);
        } else {
            b.emit(effects::SignWithExtension{id, response->transaction});
            b.announce(with_approval(kSayApprovePayment));
        }
        return;
    }
    const ApiFailure& failure = failure_of(event.reply);
    switch (classify(failure)) {
        case FailureClass::Retryable:
            return network_error(b, RetryStep::RequestTransaction, failure);
        case FailureClass::SessionExpired:
            return expire(b);
        case FailureClass::Conflict:  // no longer PENDING_SIGNATURE: the status will say what
                                      // happened
            return enter_confirming(b, true);
        case FailureClass::Handoff:
        case FailureClass::Fatal:
            return fail_request(b, failure);
    }
}

void on(Builder& b, const events::WalletSigned& event) {
    const auto* signing = phase_as<phases::AwaitingSignature>(b.state);
    if (signing == nullptr || event.request == 0 || signing->request != event.request) return;
    if (b.ctx().route != CheckoutRoute::PhantomExtension)
        return;  // deeplinks answer through Restore
    if (event.signed_transaction.empty()) {
        return wallet_rejected(b, WalletStep::Sign, phantom_codes::kInternalError,
                               "Phantom returned no signed transaction.");
    }
    b.ctx().signed_transaction = event.signed_transaction;
    start_broadcast(b);
}

void on(Builder& b, const events::BroadcastReplied& event) {
    const auto* broadcasting = phase_as<phases::Broadcasting>(b.state);
    if (broadcasting == nullptr || event.request == 0 || broadcasting->request != event.request)
        return;
    if (const auto* response = value_of(event.reply)) {
        b.ctx().tx_signature = response->tx_signature;
        persist(b, SnapshotStage::Submitted);
        enter_confirming(b, false);
        b.announce(kSaySent);
        return;
    }
    const ApiFailure& failure = failure_of(event.reply);
    switch (classify(failure)) {
        case FailureClass::Retryable:
            return network_error(b, RetryStep::Broadcast, failure);
        case FailureClass::SessionExpired:
            return expire(b);
        case FailureClass::Conflict:  // already broadcast (another tab, a reload): follow the
                                      // status
            return enter_confirming(b, true);
        case FailureClass::Handoff:
        case FailureClass::Fatal:
            return fail_request(b, failure);
    }
}

void on(Builder& b, const events::StatusReplied& event) {
    auto* confirming = phase_as<phases::Confirming>(b.state);
    if (confirming == nullptr || event.request == 0 || confirming->poll_request != event.request)
        return;
    confirming->poll_request = 0;
    auto& ctx = b.ctx();
    const auto* payment = value_of(event.reply);
    if (payment == nullptr || payment->payment_id != ctx.session->payment_id) {
        if (payment == nullptr) {
            const ApiFailure& failure = failure_of(event.reply);
            const FailureClass kind = classify(failure);
            if (kind == FailureClass::SessionExpired) return expire(b);
            if (kind == FailureClass::Fatal && failure.http_status == 404) {
                return fail_request(b, failure);
            }
        }
        // No usable answer: keep waiting on the schedule; the money may be on its way.
        ++confirming->failed_polls;
        return schedule_next_poll(b, *confirming);
    }
    confirming->failed_polls = 0;
    switch (payment->status) {
        case models::PaymentStatus::Confirmed:
            if (payment->tx_signature) ctx.tx_signature = payment->tx_signature;
            return request_confirm(b, *confirming);
        case models::PaymentStatus::Failed:
            return payment_failed(b, payment->failure_reason);
        case models::PaymentStatus::PendingSignature:
        case models::PaymentStatus::PendingConfirmation:
            return schedule_next_poll(b, *confirming);
    }
}

void on(Builder& b, const events::ConfirmReplied& event) {
    auto* confirming = phase_as<phases::Confirming>(b.state);
    if (confirming == nullptr || event.request == 0 ||
        confirming->confirm_request != event.request) {
        return;
    }
    confirming->confirm_request = 0;
    const auto* response = value_of(event.reply);
    if (response == nullptr) return network_error(b, RetryStep::Confirm, failure_of(event.reply));
    switch (response->status) {
        case models::PaymentStatus::Confirmed:
            if (response->tx_signature) b.ctx().tx_signature = response->tx_signature;
            b.go(phases::Confirmed{*response});
            b.announce(kSayConfirmed);
            return;
        case models::PaymentStatus::Failed:
            return payment_failed(b, response->failure_reason);
        case models::PaymentStatus::PendingSignature:
        case models::PaymentStatus::PendingConfirmation:
            return schedule_next_poll(b, *confirming);
    }
}

// Confirmed, Failed and Expired answer nothing; only CopyLink in Confirmed copies the delivery
// link.
Transition reduce_terminal(const State& state, const Event& event) {
    Transition out{state, {}};
    const auto* confirmed = std::get_if<phases::Confirmed>(&state.phase);
    if (confirmed == nullptr || !std::holds_alternative<events::CopyLink>(event)) return out;
    const auto& confirmation = confirmed->confirmation;
    const bool is_link = confirmation.delivery_type == models::DeliveryType::InviteLink ||
                         confirmation.delivery_type == models::DeliveryType::Redirect;
    if (!is_link || !confirmation.delivery_value || confirmation.delivery_value->empty())
        return out;
    out.effects.emplace_back(effects::CopyToClipboard{*confirmation.delivery_value});
    out.effects.emplace_back(effects::Announce{std::string(kSayLinkCopied)});
    return out;
}

}  // namespace

// ---- public API --------------------------------------------------------------------------------
State initial_state() { return State{}; }

Transition reduce(const State& state, const Event& event) {
    if (is_terminal(state)) return reduce_terminal(state, event);
    Builder b{state, {}};
    std::visit([&b](const auto& e) { on(b, e); }, event);
    return Transition{std::move(b.state), std::move(b.effects)};
}

std::string phantom_browse_url(std::string_view page_url) {
    return std::string(kPhantomBrowsePrefix) + encode_uri_component(page_url) +
           "?ref=" + encode_uri_component(url_origin(page_url));
}

bool is_terminal(const State& state) {
    return std::holds_alternative<phases::Confirmed>(state.phase) ||
           std::holds_alternative<phases::Failed>(state.phase) ||
           std::holds_alternative<phases::Expired>(state.phase);
}

std::optional<std::int64_t> seconds_remaining(const State& state) {
    const auto& ctx = state.ctx;
    if (!ctx.session || !ctx.now) return std::nullopt;
    const std::int64_t left = ctx.session->expires_at.unix_seconds - ctx.now->unix_seconds;
    return std::max<std::int64_t>(left, 0);
}

std::uint32_t poll_delay_ms(std::uint32_t attempt) {
    std::uint32_t delay = kFirstPollDelayMs;
    for (std::uint32_t i = 0; i < attempt && delay < kMaxPollDelayMs; ++i) delay *= 2;
    return std::min(delay, kMaxPollDelayMs);
}

std::vector<RequestId> pending_requests(const State& state) {
    std::vector<RequestId> ids;
    const auto add = [&ids](RequestId id) {
        if (id != 0) ids.push_back(id);
    };
    std::visit(
        [&add](const auto& phase) {
            using P = std::decay_t<decltype(phase)>;
            if constexpr (std::is_same_v<P, phases::Loading>) {
                add(phase.payload_request);
                add(phase.handoff_request);
                add(phase.session_request);
            } else if constexpr (std::is_same_v<P, phases::RouteChosen>) {
                add(phase.session_request);
            } else if constexpr (std::is_same_v<P, phases::Confirming>) {
                add(phase.poll_request);
                add(phase.confirm_request);
            } else if constexpr (requires { phase.request; }) {
                add(phase.request);
            }
        },
        state.phase);
    return ids;
}

bool route_available(const State& state, CheckoutRoute route) {
    const auto& env = state.ctx.env;
    switch (route) {
        case CheckoutRoute::PhantomExtension:
            return env.extension_available;
        case CheckoutRoute::PhantomMobile:
            return env.mobile;
        case CheckoutRoute::SolanaPayQr:
            return true;
    }
    return false;
}

std::optional<CheckoutRoute> suggested_route(const State& state) {
    if (!state.ctx.payload) return std::nullopt;
    const CheckoutRoute preferred = state.ctx.payload->checkout_config.default_route;
    if (route_available(state, preferred)) return preferred;
    for (const auto route : {CheckoutRoute::PhantomExtension, CheckoutRoute::PhantomMobile,
                             CheckoutRoute::SolanaPayQr}) {
        if (route_available(state, route)) return route;
    }
    return std::nullopt;
}

std::string renewal_terms(const State& state) {
    if (!state.ctx.payload) return {};
    const auto price = renewal_price(*state.ctx.payload);
    return price ? renewal_terms_text(*price) : std::string();
}

std::string approval_wording(const State& state) {
    const auto& ctx = state.ctx;
    if (!ctx.approval) return {};
    RenewalPrice price;
    if (ctx.payload) price.interval_days = ctx.payload->membership_billing_interval_days;
    if (ctx.session) {  // the quote the transaction pays: one renewal costs the same
        price.amount_minor_units = ctx.session->amount_minor_units;
        price.decimals = ctx.session->decimals;
        price.asset_symbol = ctx.session->asset_symbol;
    } else if (ctx.payload) {
        price.amount_minor_units = ctx.payload->amount_minor_units;
        price.decimals = ctx.payload->decimals;
        price.asset_symbol = ctx.payload->asset_symbol;
    }
    return approval_text(*ctx.approval, price);
}

std::string_view wallet_error_text(int code) {
    switch (code) {
        case phantom_codes::kUserRejected:
            return "You declined the request in Phantom. You can try again.";
        case phantom_codes::kUnauthorized:
        case phantom_codes::kDisconnected:
            return "Phantom is not connected to this page. Connect again to continue.";
        case phantom_codes::kResourceUnavailable:
            return "Phantom already has a request open. Finish or close it, then try again.";
        case phantom_codes::kTransactionRejected:
            return "Phantom rejected the transaction. You can try again.";
        default:
            return "Phantom could not complete the request. You can try again.";
    }
}

namespace {
constexpr std::array<std::string_view, std::variant_size_v<Phase>> kPhaseNames = {
    "booting",
    "loading",
    "product_shown",
    "route_chosen",
    "connecting_wallet",
    "building_transaction",
    "awaiting_signature",
    "broadcasting",
    "confirming",
    "confirmed",
    "failed",
    "expired",
    "wallet_rejected",
    "network_error",
};
constexpr std::array<std::string_view, std::variant_size_v<Event>> kEventNames = {
    "start",
    "restore",
    "tick",
    "choose_route",
    "retry",
    "back",
    "copy_link",
    "open_in_phantom",
    "continue_in_phantom",
    "page_visibility_changed",
    "payload_replied",
    "handoff_replied",
    "session_replied",
    "transaction_replied",
    "broadcast_replied",
    "status_replied",
    "confirm_replied",
    "wallet_connected",
    "wallet_signed",
    "wallet_failed",
};
constexpr std::array<std::string_view, std::variant_size_v<Effect>> kEffectNames = {
    "fetch_payload",       "resolve_handoff",       "fetch_session",         "start_session",
    "connect_extension",   "open_connect_deeplink", "request_transaction",
    "sign_with_extension", "open_sign_deeplink",    "open_deeplink",
    "broadcast",           "poll_status",           "confirm",
    "persist_session",     "clear_session",         "announce",
    "copy_to_clipboard",
};
}  // namespace

std::string_view state_name(const State& state) { return kPhaseNames[state.phase.index()]; }

std::string_view event_name(const Event& event) { return kEventNames[event.index()]; }

std::string_view effect_name(const Effect& effect) { return kEffectNames[effect.index()]; }

std::string_view to_string(RetryStep step) {
    switch (step) {
        case RetryStep::FetchPayload:
            return "fetch_payload";
        case RetryStep::ResolveHandoff:
            return "resolve_handoff";
        case RetryStep::StartSession:
            return "start_session";
        case RetryStep::RequestTransaction:
            return "request_transaction";
        case RetryStep::Broadcast:
            return "broadcast";
        case RetryStep::Confirm:
            return "confirm";
    }
    return "unknown";
}

std::string_view to_string(WalletStep step) {
    return step == WalletStep::Connect ? "connect" : "sign";
}

std::string_view to_string(SnapshotStage stage) {
    switch (stage) {
        case SnapshotStage::SessionStarted:
            return "session_started";
        case SnapshotStage::AwaitingConnect:
            return "awaiting_connect";
        case SnapshotStage::AwaitingSignature:
            return "awaiting_signature";
        case SnapshotStage::Submitted:
            return "submitted";
    }
    return "unknown";
}

std::string describe(const State& state) {
    using Json = nlohmann::json;
    const auto& ctx = state.ctx;
    Json out = Json::object();
    out["state"] = std::string(state_name(state));
    out["visible"] = ctx.visible;
    out["route"] = ctx.route ? Json(std::string(models::to_string(*ctx.route))) : Json(nullptr);
    out["payment_id"] = ctx.session ? Json(ctx.session->payment_id) : Json(nullptr);
    const auto remaining = seconds_remaining(state);
    out["seconds_remaining"] = remaining ? Json(*remaining) : Json(nullptr);
    if (ctx.handoff && ctx.handoff->identity.display_name) {
        out["paying_as"] = *ctx.handoff->identity.display_name;
    }
    if (ctx.handoff_problem) out["handoff_problem"] = std::string(to_string(*ctx.handoff_problem));
    if (ctx.wallet) out["buyer_wallet"] = ctx.wallet->public_key.to_base58();
    if (ctx.tx_signature) out["tx_signature"] = *ctx.tx_signature;
    if (const std::string terms = renewal_terms(state); !terms.empty()) out["renewal_terms"] = terms;
    if (ctx.approval) {
        const auto& a = *ctx.approval;
        Json approval = Json::object();
        approval["text"] = approval_wording(state);
        approval["delegate"] = a.delegate.to_base58();
        approval["allowance_minor_units"] = a.allowance_minor_units;
        approval["allowance_periods"] = a.allowance_periods;
        approval["existing_allowance_minor_units"] = a.existing_allowance_minor_units;
        if (a.replaces_delegate) approval["replaces_delegate"] = a.replaces_delegate->to_base58();
        out["approval"] = std::move(approval);
    }
    std::visit(
        [&out](const auto& phase) {
            using P = std::decay_t<decltype(phase)>;
            if constexpr (std::is_same_v<P, phases::AwaitingSignature>) {
                if (phase.held) out["held"] = true;
            } else if constexpr (std::is_same_v<P, phases::Confirming>) {
                out["external"] = phase.external;
                out["paused"] = phase.poll_request == 0 && phase.confirm_request == 0;
                out["attempt"] = phase.attempt;
                out["failed_polls"] = phase.failed_polls;
            } else if constexpr (std::is_same_v<P, phases::Confirmed>) {
                const auto& c = phase.confirmation;
                if (c.delivery_type)
                    out["delivery_type"] = std::string(models::to_string(*c.delivery_type));
                if (c.membership_period_end_at) {
                    out["membership_period_end_at"] =
                        models::format_timestamp(*c.membership_period_end_at);
                }
                if (c.manage_url) out["manage_url"] = *c.manage_url;
            } else if constexpr (std::is_same_v<P, phases::Failed>) {
                if (phase.reason) out["reason"] = std::string(models::to_string(*phase.reason));
                if (phase.error) out["error"] = std::string(to_string(*phase.error));
                out["message"] = phase.message;
            } else if constexpr (std::is_same_v<P, phases::WalletRejected>) {
                out["step"] = std::string(to_string(phase.step));
                out["code"] = phase.code;
                out["message"] = phase.message;
            } else if constexpr (std::is_same_v<P, phases::NetworkError>) {
                out["step"] = std::string(to_string(phase.step));
                out["http_status"] = phase.failure.http_status;
                if (phase.failure.code) out["error"] = std::string(to_string(*phase.failure.code));
            }
        },
        state.phase);
    return out.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace hilt::flow
