// shared/models/event.h: webhook events (GET /v1/events, webhook bodies) and the error body and list
// envelope every API response uses.
//
// Owns: Event {id, type, created_at, data}, ErrorBody {"error":{code, message, field?, request_id}} and
// ListPage<T> {"data":[…], "has_more":bool}.
// Must never: put an exception's text or internal detail into ErrorBody.message for 500s (the server
// chooses generic text), or carry more than kMaxListLimit items in a page.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "models/common.h"
#include "models/json_reader.h"

namespace hilt::models {

inline constexpr std::size_t kMaxListLimit = 100;     // api.md: ?limit= 1..100
inline constexpr std::size_t kDefaultListLimit = 20;  // api.md
inline constexpr std::size_t kMaxRequestIdBytes = 128;
inline constexpr std::size_t kMaxErrorMessageChars = 1000;

struct Event {
    std::string id;  // "evt_…", stable across webhook retries
    EventType type = EventType::PaymentConfirmed;
    Timestamp created_at;
    Json data = Json::object();  // the object the event is about (payment, membership, receipt, …)

    friend bool operator==(const Event&, const Event&) = default;
};

struct ErrorBody {
    ErrorCode code = ErrorCode::Internal;
    std::string message;
    std::optional<std::string> field;
    std::string request_id;

    friend bool operator==(const ErrorBody&, const ErrorBody&) = default;
};

// The body for `error` (field omitted when empty).
ErrorBody make_error_body(const Error& error, std::string request_id);

template <typename T>
struct ListPage {
    std::vector<T> data;
    bool has_more = false;

    friend bool operator==(const ListPage&, const ListPage&) = default;
};

[[nodiscard]] Status from_json(const Json& json, Event& out);
Json to_json(const Event& value);
[[nodiscard]] Status from_json(const Json& json, ErrorBody& out);
Json to_json(const ErrorBody& value);

template <typename T>
[[nodiscard]] Status from_json(const Json& json, ListPage<T>& out) {
    ObjectReader r(json);
    r.required("data", out.data, array_of(kMaxListLimit, model<T>()));
    r.required("has_more", out.has_more, boolean());
    return r.finish();
}

template <typename T>
Json to_json(const ListPage<T>& value) {
    return {{"data", to_wire(value.data)}, {"has_more", value.has_more}};
}

}  // namespace hilt::models
