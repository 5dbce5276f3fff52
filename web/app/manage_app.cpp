// web/app/manage_app.cpp: see manage_app.h.
#include "app/manage_app.h"

#include "app/http_reply.h"
#include "models/membership.h"

namespace hilt::web {

namespace fm = flow::manage;

std::string manage_token_of(std::string_view href) {
    const auto at = href.find(models::kManageTokenFragment);
    if (at == std::string_view::npos) return {};
    std::string_view token = href.substr(at + models::kManageTokenFragment.size());
    token = token.substr(0, token.find('&'));
    // base64url only: anything else is not a token (and must not reach a header).
    for (const char c : token) {
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                        c == '_';
        if (!ok) return {};
    }
    return std::string(token);
}

void ManageApp::boot(const browser::PageInfo& page) {
    if (booted_) return;
    booted_ = true;
    flow::Environment env;
    env.extension_available = page.extension_available;
    env.mobile = page.mobile;
    env.page_url = page.page_url;
    dispatch(fm::events::Start{page.membership_id, manage_token_of(page.href), env, page_now()});
}

void ManageApp::dispatch(const fm::Event& event) {
    auto transition = fm::reduce(state_, event);
    state_ = std::move(transition.state);
    for (const auto& effect : transition.effects) run(effect);
    browser::publish_state(fm::describe(state_));
}

void ManageApp::tick() {
    if (std::holds_alternative<fm::phases::Booting>(state_.phase)) return;
    dispatch(fm::events::Tick{page_now()});
}

void ManageApp::send(flow::RequestId request, Kind kind, std::string_view method, const std::string& path,
                     const std::string& body, std::string_view token) {
    pending_[request] = kind;
    browser::http(request, method, path, body, browser::RequestHeaders{{}, token}, 0);
}

void ManageApp::on_http_reply(flow::RequestId request, int status, std::string_view body) {
    const auto it = pending_.find(request);
    if (it == pending_.end()) return;
    const Kind kind = it->second;
    pending_.erase(it);
    switch (kind) {
        case Kind::View:
            return dispatch(fm::events::ViewReplied{request, to_reply<models::ManageView>(status, body)});
        case Kind::Transaction:
            return dispatch(
                fm::events::TransactionReplied{request, to_reply<models::TransactionResponse>(status, body)});
        case Kind::Submit:
            return dispatch(fm::events::SubmitReplied{request, to_reply<models::ManageView>(status, body)});
    }
}

void ManageApp::on_wallet_reply(flow::RequestId request, int code, std::string_view value,
                                std::string_view message) {
    const bool connecting = std::holds_alternative<fm::phases::ConnectingWallet>(state_.phase);
    dispatch(wallet_event<fm::Event>(request, code, value, message, connecting));
}

void ManageApp::run(const fm::Effect& effect) {
    std::visit(
        [this](const auto& e) {
            using E = std::decay_t<decltype(e)>;
            namespace fx = fm::effects;
            const std::string base = "/v1/memberships/";
            if constexpr (std::is_same_v<E, fx::FetchView>) {
                send(e.request, Kind::View, "GET", base + e.membership_id + "/manage", {}, e.token);
            } else if constexpr (std::is_same_v<E, fx::RequestTransaction>) {
                send(e.request, Kind::Transaction, "POST", base + e.membership_id + "/manage/transaction",
                     models::dump(models::ManageTransactionRequest{e.action}), e.token);
            } else if constexpr (std::is_same_v<E, fx::Submit>) {
                send(e.request, Kind::Submit, "POST", base + e.membership_id + "/manage/submit",
                     models::dump(e.body), e.token);
            } else if constexpr (std::is_same_v<E, fx::ConnectExtension>) {
                browser::wallet_connect(e.request);
            } else if constexpr (std::is_same_v<E, fx::SignWithExtension>) {
                browser::wallet_sign(e.request, e.transaction);
            } else if constexpr (std::is_same_v<E, fx::OpenDeeplink>) {
                browser::navigate(e.url);
            } else if constexpr (std::is_same_v<E, fx::Announce>) {
                browser::announce(e.text);
            }
        },
        effect);
}

}  // namespace hilt::web
