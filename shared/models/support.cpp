// shared/models/support.cpp: JSON of support cases and delivery recovery (see support.h).
#include "models/support.h"

namespace hilt::models {
namespace {

auto message_text() {
    return text({.min_chars = 1, .max_chars = kMaxSupportMessageChars, .multi_line = true});
}
auto contact_text() { return text({.min_chars = 1, .max_chars = kMaxSupportContactChars}); }
auto resolution_text() {
    return text({.min_chars = 1, .max_chars = kMaxSupportResolutionChars, .multi_line = true});
}

}  // namespace

Status from_json(const Json& json, SupportCaseRequest& out) {
    ObjectReader r(json);
    r.required("message", out.message, message_text());
    r.optional("contact", out.contact, contact_text());
    return r.finish();
}

Json to_json(const SupportCaseRequest& value) {
    Json json = {{"message", value.message}};
    put_optional(json, "contact", value.contact);
    return json;
}

Status from_json(const Json& json, SupportCase& out) {
    ObjectReader r(json);
    r.required("case_id", out.case_id, id(kSupportCaseIdPrefix));
    r.required("payment_id", out.payment_id, id(kPaymentIdPrefix));
    r.required("product_id", out.product_id, id(kProductIdPrefix));
    r.required("status", out.status, enumeration<SupportCaseStatus>());
    r.required("message", out.message, message_text());
    r.optional("contact", out.contact, contact_text());
    r.optional("resolution", out.resolution, resolution_text());
    r.required("created_at", out.created_at, timestamp());
    r.optional("closed_at", out.closed_at, timestamp());
    return r.finish();
}

Json to_json(const SupportCase& value) {
    Json json = {{"case_id", value.case_id},       {"payment_id", value.payment_id},
                 {"product_id", value.product_id}, {"status", to_wire(value.status)},
                 {"message", value.message},       {"created_at", to_wire(value.created_at)}};
    put_optional(json, "contact", value.contact);
    put_optional(json, "resolution", value.resolution);
    put_optional(json, "closed_at", value.closed_at);
    return json;
}

Status from_json(const Json& json, SupportCaseSummary& out) {
    ObjectReader r(json);
    r.required("case_id", out.case_id, id(kSupportCaseIdPrefix));
    r.required("status", out.status, enumeration<SupportCaseStatus>());
    r.required("created_at", out.created_at, timestamp());
    return r.finish();
}

Json to_json(const SupportCaseSummary& value) {
    return {{"case_id", value.case_id},
            {"status", to_wire(value.status)},
            {"created_at", to_wire(value.created_at)}};
}

Status from_json(const Json& json, SupportCaseCloseRequest& out) {
    ObjectReader r(json);
    r.optional("resolution", out.resolution, resolution_text());
    return r.finish();
}

Json to_json(const SupportCaseCloseRequest& value) {
    Json json = Json::object();
    put_optional(json, "resolution", value.resolution);
    return json;
}

Status from_json(const Json& json, DeliveryUpdateRequest& out) {
    ObjectReader r(json);
    r.optional("status", out.status, enumeration<DeliveryStatus>());
    r.optional("reason", out.reason, text({.min_chars = 1, .max_chars = kMaxDeliveryFailureChars}));
    r.optional("delivery_value", out.delivery_value,
               text({.min_chars = 1, .max_chars = kMaxDeliveryValueChars, .multi_line = true}));
    HILT_TRY(r.finish());
    if (out.delivery_value) {
        if (out.status || out.reason) {
            return fail(ErrorCode::InvalidValue,
                        "send either a new delivery_value or status FAILED with a reason, not both",
                        out.status ? "status" : "reason");
        }
        return {};
    }
    if (!out.status) {
        return fail(ErrorCode::MissingField,
                    "is required: FAILED with a reason, or send a new delivery_value instead",
                    "status");
    }
    if (*out.status != DeliveryStatus::Failed) {
        return fail(ErrorCode::InvalidValue,
                    "must be FAILED (a new delivery_value makes the delivery DELIVERED again)",
                    "status");
    }
    if (!out.reason)
        return fail(ErrorCode::MissingField, "is required with status FAILED", "reason");
    return {};
}

Json to_json(const DeliveryUpdateRequest& value) {
    Json json = Json::object();
    put_optional(json, "status", value.status);
    put_optional(json, "reason", value.reason);
    put_optional(json, "delivery_value", value.delivery_value);
    return json;
}

}  // namespace hilt::models
