// web/app/checkout_app.cpp: see checkout_app.h.
#include "app/checkout_app.h"
#include "app/http_reply.h"

#include <cmath>
#include <utility>

#include "crypto/sodium.h"
#include "encoding/base64.h"
#include "flow/session_snapshot.h"
#include "models/checkout.h"
#include "models/event.h"
#include "models/json_reader.h"

namespace hilt::web {

namespace {

// Stored values, per slug: the machine's snapshot and the Phantom deeplink session (secret).
constexpr std::string_view kSnapshotKey = "session:";
constexpr std::string_view kDappSessionKey = "phantom:";
// Random bytes in the connect idempotency key: unique per page load.
constexpr std::size_t kTabNonceBytes = 12;

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string percent_decode(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '+') {
            out += ' ';
        } else if (c == '%' && i + 2 < text.size() && hex_digit(text[i + 1]) >= 0 && hex_digit(text[i + 2]) >= 0) {
            out += static_cast<char>(hex_digit(text[i + 1]) * 16 + hex_digit(text[i + 2]));
            i += 2;
        } else {
            out += c;
        }
    }
    return out;
}

phantom::Cluster to_phantom(models::Cluster cluster) {
    switch (cluster) {
        case models::Cluster::MainnetBeta:
            return phantom::Cluster::MainnetBeta;
        case models::Cluster::Devnet:
            return phantom::Cluster::Devnet;
        case models::Cluster::Testnet:
            return phantom::Cluster::Testnet;
    }
    return phantom::Cluster::MainnetBeta;
}

}  // namespace

std::optional<std::string> query_param(std::string_view url, std::string_view name) {
    const auto question = url.find('?');
    if (question == std::string_view::npos) return std::nullopt;
    std::string_view query = url.substr(question + 1);
    if (const auto hash = query.find('#'); hash != std::string_view::npos) {
        query = query.substr(0, hash);
    }
    while (!query.empty()) {
        const auto amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        const auto eq = pair.find('=');
        const std::string_view key = pair.substr(0, eq);
        if (key == name) {
            return eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1));
        }
        if (amp == std::string_view::npos) break;
        query = query.substr(amp + 1);
    }
    return std::nullopt;
}

std::string CheckoutApp::storage_key(std::string_view what) const {
    return std::string(what) + page_.slug;
}

std::string CheckoutApp::redirect_link(flow::RequestId request) const {
    return page_.page_url + "?" + std::string(kRedirectRequestParam) + "=" + std::to_string(request);
}

flow::Environment CheckoutApp::environment() const {
    flow::Environment env;
    env.extension_available = page_.extension_available;
    env.mobile = page_.mobile;
    env.page_url = page_.page_url;
    return env;
}

std::optional<phantom::DappSession>& CheckoutApp::dapp_session() {
    if (!dapp_) {
        if (auto text = browser::storage_get(storage_key(kDappSessionKey))) {
            if (auto session = phantom::DappSession::deserialize(*text)) dapp_ = std::move(*session);
        }
    }
    return dapp_;
}

// Phantom's answer in this page's address, decoded with the session kept across the app switch.
std::optional<flow::PhantomRedirect> CheckoutApp::read_redirect(
    const flow::SessionSnapshot& snapshot) {
    const auto request_text = query_param(page_.href, kRedirectRequestParam);
    if (!request_text) return std::nullopt;
    flow::PhantomRedirect redirect;
    redirect.request = 0;
    for (const char c : *request_text) {
        if (c < '0' || c > '9' || redirect.request > (UINT64_MAX - 9) / 10) {
            redirect.request = 0;
            break;
        }
        redirect.request = redirect.request * 10 + static_cast<flow::RequestId>(c - '0');
    }
    const auto unreadable = [&redirect](std::string message) {
        redirect.result = flow::redirect::Unreadable{std::move(message)};
        return redirect;
    };
    auto& session = dapp_session();
    if (!session) return unreadable("The Phantom session of this tab was lost.");
    if (snapshot.stage == flow::SnapshotStage::AwaitingConnect) {
        auto answer = phantom::parse_connect_redirect(*session, page_.href);
        if (!answer) return unreadable(describe(answer.error()));
        if (const auto* no = std::get_if<phantom::PhantomError>(&*answer)) {
            redirect.result = flow::redirect::Rejected{no->code, no->phantom_message};
            return redirect;
        }
        const auto* ok = std::get_if<phantom::ConnectApproved>(&*answer);
        if (ok == nullptr) return unreadable("Phantom's answer could not be read.");
        browser::storage_set(storage_key(kDappSessionKey), session->serialize());
        redirect.result = flow::redirect::ConnectApproved{ok->wallet};
        return redirect;
    }
    if (snapshot.stage == flow::SnapshotStage::AwaitingSignature) {
        auto answer = phantom::parse_sign_transaction_redirect(*session, page_.href);
        if (!answer) return unreadable(describe(answer.error()));
        if (const auto* no = std::get_if<phantom::PhantomError>(&*answer)) {
            redirect.result = flow::redirect::Rejected{no->code, no->phantom_message};
            return redirect;
        }
        const auto* ok = std::get_if<phantom::SignTransactionApproved>(&*answer);
        if (ok == nullptr) return unreadable("Phantom's answer could not be read.");
        redirect.result = flow::redirect::SignApproved{base64_encode(ok->transaction)};
        return redirect;
    }
    return std::nullopt;  // nothing was waiting for Phantom: an old link
}

void CheckoutApp::boot(const browser::PageInfo& page) {
    if (booted_) return;
    booted_ = true;
    page_ = page;
    if (crypto_ready()) tab_nonce_ = hex_encode(random_bytes(kTabNonceBytes));

    std::optional<flow::SessionSnapshot> snapshot;
    if (auto text = browser::storage_get(storage_key(kSnapshotKey))) {
        if (auto parsed = flow::parse_snapshot(*text); parsed && parsed->slug == page_.slug) {
            snapshot = std::move(*parsed);
        } else {
            browser::storage_remove(storage_key(kSnapshotKey));
        }
    }
    if (snapshot) {
        flow::events::Restore restore;
        restore.redirect = read_redirect(*snapshot);
        restore.snapshot = std::move(*snapshot);
        restore.env = environment();
        restore.now = page_now();
        restore.visible = page_.visible;
        // Phantom's parameters are spent: a reload must not replay them.
        if (restore.redirect) browser::replace_query(page_.page_url);
        return dispatch(restore);
    }
    flow::events::Start start;
    start.slug = page_.slug;
    start.handoff_token = query_param(page_.href, kHandoffParam);
    if (start.handoff_token && start.handoff_token->empty()) start.handoff_token.reset();
    start.payment_id = query_param(page_.href, kPaymentParam);
    if (start.payment_id && !models::validate_id(*start.payment_id, models::kPaymentIdPrefix)) {
        start.payment_id.reset();
    }
    start.env = environment();
    start.now = page_now();
    start.visible = page_.visible;
    dispatch(start);
}

void CheckoutApp::dispatch(const flow::Event& event) {
    if (const auto* replied = std::get_if<flow::events::SessionReplied>(&event)) {
        if (std::holds_alternative<models::ConnectResponse>(replied->reply)) ++session_generation_;
    }
    auto transition = flow::reduce(state_, event);
    state_ = std::move(transition.state);
    for (const auto& effect : transition.effects) run(effect);
    browser::publish_state(flow::describe(state_));
}

void CheckoutApp::tick() {
    if (std::holds_alternative<flow::phases::Booting>(state_.phase)) return;
    dispatch(flow::events::Tick{page_now()});
}

void CheckoutApp::on_visibility(bool visible) {
    page_.visible = visible;
    dispatch(flow::events::PageVisibilityChanged{visible});
}

void CheckoutApp::send(flow::RequestId request, HttpKind kind, std::string_view method,
                       const std::string& path, const std::string& body, std::uint32_t delay_ms,
                       std::string_view idempotency_key) {
    pending_[request] = kind;
    browser::http(request, method, path, body, browser::RequestHeaders{idempotency_key, {}}, delay_ms);
}

void CheckoutApp::on_http_reply(flow::RequestId request, int status, std::string_view body) {
    const auto it = pending_.find(request);
    if (it == pending_.end()) return;
    const HttpKind kind = it->second;
    pending_.erase(it);
    switch (kind) {
        case HttpKind::Payload:
            return dispatch(flow::events::PayloadReplied{
                request, to_reply<models::PublicCheckout>(status, body)});
        case HttpKind::Handoff:
            return dispatch(flow::events::HandoffReplied{
                request, to_reply<models::HandoffResolveResponse>(status, body)});
        case HttpKind::Session:
            return dispatch(flow::events::SessionReplied{
                request, to_reply<models::ConnectResponse>(status, body)});
        case HttpKind::Transaction:
            return dispatch(flow::events::TransactionReplied{
                request, to_reply<models::TransactionResponse>(status, body)});
        case HttpKind::Broadcast:
            return dispatch(flow::events::BroadcastReplied{
                request, to_reply<models::BroadcastResponse>(status, body)});
        case HttpKind::Status:
            return dispatch(
                flow::events::StatusReplied{request, to_reply<models::Payment>(status, body)});
        case HttpKind::Confirm:
            return dispatch(flow::events::ConfirmReplied{
                request, to_reply<models::ConfirmResponse>(status, body)});
    }
}

void CheckoutApp::on_wallet_reply(flow::RequestId request, int code, std::string_view value,
                                  std::string_view message) {
    const bool connecting = std::holds_alternative<flow::phases::ConnectingWallet>(state_.phase);
    dispatch(wallet_event<flow::Event>(request, code, value, message, connecting));
}

void CheckoutApp::run(const flow::Effect& effect) {
    std::visit(
        [this](const auto& e) {
            using E = std::decay_t<decltype(e)>;
            namespace fx = flow::effects;
            if constexpr (std::is_same_v<E, fx::FetchPayload>) {
                send(e.request, HttpKind::Payload, "GET", "/v1/products/p/" + e.slug, {});
            } else if constexpr (std::is_same_v<E, fx::ResolveHandoff>) {
                send(e.request, HttpKind::Handoff, "POST", "/v1/handoff/resolve",
                     models::dump(models::HandoffResolveRequest{e.token}));
            } else if constexpr (std::is_same_v<E, fx::FetchSession>) {
                send(e.request, HttpKind::Session, "GET", "/v1/payments/" + e.payment_id + "/session", {});
            } else if constexpr (std::is_same_v<E, fx::StartSession>) {
                models::ConnectRequest body{e.buyer_wallet, e.handoff_token, e.route};
                // The same key while the same body is retried (a lost answer replays the first
                // session); a new one once a session was started.
                const std::string key = "checkout-" + tab_nonce_ + "-" +
                                        std::to_string(session_generation_) + "-" +
                                        std::string(models::to_string(e.route));
                send(e.request, HttpKind::Session, "POST",
                     "/v1/products/p/" + e.slug + "/connect", models::dump(body), 0, key);
            } else if constexpr (std::is_same_v<E, fx::ConnectExtension>) {
                browser::wallet_connect(e.request);
            } else if constexpr (std::is_same_v<E, fx::OpenConnectDeeplink>) {
                dapp_ = phantom::DappSession::create();
                browser::storage_set(storage_key(kDappSessionKey), dapp_->serialize());
                auto url = phantom::connect_url(*dapp_, e.app_url, redirect_link(e.request),
                                                to_phantom(e.cluster));
                if (!url) {
                    return dispatch(flow::events::WalletFailed{
                        e.request, flow::phantom_codes::kInternalError, url.error().message});
                }
                browser::navigate(*url);
            } else if constexpr (std::is_same_v<E, fx::RequestTransaction>) {
                send(e.request, HttpKind::Transaction, "POST",
                     "/v1/payments/" + e.payment_id + "/transaction",
                     models::dump(models::TransactionRequest{e.buyer_wallet}));
            } else if constexpr (std::is_same_v<E, fx::SignWithExtension>) {
                browser::wallet_sign(e.request, e.transaction);
            } else if constexpr (std::is_same_v<E, fx::OpenSignDeeplink>) {
                auto& session = dapp_session();
                auto wire = base64_decode(e.transaction);
                if (!session || !session->connected() || !wire) {
                    return dispatch(flow::events::WalletFailed{
                        e.request, flow::phantom_codes::kUnauthorized,
                        "The Phantom session of this tab was lost."});
                }
                auto url = phantom::sign_transaction_url(*session, *wire, redirect_link(e.request));
                if (!url) {
                    return dispatch(flow::events::WalletFailed{
                        e.request, flow::phantom_codes::kInternalError, url.error().message});
                }
                browser::navigate(*url);
            } else if constexpr (std::is_same_v<E, fx::OpenDeeplink>) {
                browser::navigate(e.url);
            } else if constexpr (std::is_same_v<E, fx::Broadcast>) {
                send(e.request, HttpKind::Broadcast, "POST",
                     "/v1/payments/" + e.payment_id + "/broadcast",
                     models::dump(models::BroadcastRequest{e.signed_transaction}));
            } else if constexpr (std::is_same_v<E, fx::PollStatus>) {
                send(e.request, HttpKind::Status, "GET", "/v1/payments/" + e.payment_id, {},
                     e.after_ms);
            } else if constexpr (std::is_same_v<E, fx::Confirm>) {
                send(e.request, HttpKind::Confirm, "POST",
                     "/v1/payments/" + e.payment_id + "/confirm",
                     models::dump(models::ConfirmRequest{e.tx_signature}));
            } else if constexpr (std::is_same_v<E, fx::PersistSession>) {
                browser::storage_set(storage_key(kSnapshotKey), flow::dump_snapshot(e.snapshot));
            } else if constexpr (std::is_same_v<E, fx::ClearSession>) {
                browser::storage_remove(std::string(kSnapshotKey) + e.slug);
                browser::storage_remove(std::string(kDappSessionKey) + e.slug);
                dapp_.reset();
            } else if constexpr (std::is_same_v<E, fx::Announce>) {
                browser::announce(e.text);
            } else if constexpr (std::is_same_v<E, fx::CopyToClipboard>) {
                browser::copy_text(e.text);
            }
        },
        effect);
}

}  // namespace hilt::web
