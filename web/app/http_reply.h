// web/app/http_reply.h: what both pages' effect runners (the checkout and the manage page) do with an
// HTTP answer and the clock.
//
// Owns: turning a wallet answer into a wallet event, a status and body into a flow::Reply (the parsed model for 2xx, else the error body's
// code and sentence; status 0: no answer at all) and reading the page's clock in whole seconds.
// Must never: decide anything about the answer (the machines do).
#pragma once

#include <cmath>
#include <string_view>
#include <utility>

#include "flow/checkout_machine.h"
#include "models/event.h"
#include "models/json_reader.h"
#include "platform/browser.h"

namespace hilt::web {

inline models::Timestamp page_now() {
    return models::Timestamp{static_cast<std::int64_t>(std::floor(browser::now_ms() / 1000.0))};
}

// An HTTP answer as a machine's Reply: the parsed model for 2xx, else the error body's code.
template <typename T>
flow::Reply<T> to_reply(int status, std::string_view body) {
    if (status >= 200 && status < 300) {
        auto parsed = models::parse<T>(body);
        if (parsed) return std::move(*parsed);
        // A 2xx we cannot read is no usable answer (a proxy's page, a half-written body).
        return flow::ApiFailure{0, std::nullopt, "The server's answer could not be read."};
    }
    flow::ApiFailure failure;
    failure.http_status = status;
    if (status != 0) {
        if (auto error = models::parse<models::ErrorBody>(body)) {
            failure.code = error->code;
            failure.message = error->message;
        }
    }
    return failure;
}

// A wallet answer (bridge.js walletDone: code 0 and a value, or Phantom's error code) as the wallet event
// both machines take (as `Event`, the machine's event variant): the key while `connecting`, else the signed
// transaction; an unreadable key fails.
template <typename Event>
Event wallet_event(flow::RequestId request, int code, std::string_view value, std::string_view message,
                   bool connecting) {
    if (code != 0) return flow::events::WalletFailed{request, code, std::string(message)};
    if (!connecting) return flow::events::WalletSigned{request, std::string(value)};
    auto key = solana::PublicKey::parse(value);
    if (!key) {
        return flow::events::WalletFailed{request, flow::phantom_codes::kInternalError,
                                          "Phantom returned an unreadable key."};
    }
    return flow::events::WalletConnected{request, *key};
}

}  // namespace hilt::web
