// web/app/http_reply.h: what both pages' effect runners (the checkout and the manage page) do with an
// HTTP answer and the clock.
//
// Owns: turning a status and body into a flow::Reply (the parsed model for 2xx, else the error body's
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

}  // namespace hilt::web
