// shared/models/event.cpp: JSON of events and error bodies (see event.h).
#include "models/event.h"

namespace hilt::models {

Status from_json(const Json& json, Event& out) {
    ObjectReader r(json);
    r.required("id", out.id, id(kEventIdPrefix));
    r.required("type", out.type, enumeration<EventType>());
    r.required("created_at", out.created_at, timestamp());
    r.required("data", out.data, [](const Json& j) -> Result<Json> {
        if (!j.is_object()) return fail(ErrorCode::WrongType, "must be an object");
        return j;
    });
    return r.finish();
}

Json to_json(const Event& value) {
    return {{"id", value.id},
            {"type", to_wire(value.type)},
            {"created_at", to_wire(value.created_at)},
            {"data", value.data}};
}

ErrorBody make_error_body(const Error& error, std::string request_id) {
    ErrorBody body;
    body.code = error.code;
    body.message = error.message;
    if (!error.field.empty()) body.field = error.field;
    body.request_id = std::move(request_id);
    return body;
}

Status from_json(const Json& json, ErrorBody& out) {
    ObjectReader outer(json);
    const Json* inner = outer.take("error");
    if (outer.ok() && inner == nullptr) {
        outer.record(fail(ErrorCode::MissingField, "is required", "error"));
    }
    if (outer.ok()) {
        ObjectReader r(*inner);
        r.required("code", out.code, [](const Json& j) -> Result<ErrorCode> {
            if (!j.is_string()) return fail(ErrorCode::WrongType, "must be a string");
            ErrorCode code{};
            if (!error_code_from_string(j.get_ref<const std::string&>(), code)) {
                return fail(ErrorCode::InvalidEnum, "is not a known error code");
            }
            return code;
        });
        r.required("message", out.message,
                   text({.min_chars = 1, .max_chars = kMaxErrorMessageChars, .multi_line = true}));
        r.optional("field", out.field, text({.min_chars = 1, .max_chars = kMaxErrorMessageChars}));
        r.required("request_id", out.request_id, ascii(kMaxRequestIdBytes));
        if (auto status = r.finish(); !status) outer.record(at("error", status.error()));
    }
    return outer.finish();
}

Json to_json(const ErrorBody& value) {
    Json error = {{"code", std::string(to_string(value.code))},
                  {"message", value.message},
                  {"request_id", value.request_id}};
    put_optional(error, "field", value.field);
    return {{"error", error}};
}

}  // namespace hilt::models
