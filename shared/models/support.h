// shared/models/support.h: buyer support cases (POST /v1/payments/{payment_id}/support, GET
// /v1/support-cases[/{case_id}], POST /v1/support-cases/{case_id}/close) and the merchant's
// delivery recovery (POST /v1/payments/{payment_id}/delivery).
//
// Owns: SupportCase and its summary on a payment, the request bodies of these routes and their
// strict parsing (unknown fields 422, bounded text).
// Must never: carry merchant-only data into what the buyer reads back (a case holds only what the
// buyer wrote, its status, and the merchant's resolution), or decide who may read a case (hiltd
// scopes merchant reads and answers not_found for another merchant's case).
#pragma once

#include <optional>
#include <string>

#include "models/checkout.h"
#include "models/json_reader.h"

namespace hilt::models {

inline constexpr std::size_t kMaxSupportMessageChars = 2000;     // api.md; a description's length
inline constexpr std::size_t kMaxSupportContactChars = 200;      // an e-mail address or a handle
inline constexpr std::size_t kMaxSupportResolutionChars = 2000;  // the merchant's closing note

#define HILT_SUPPORT_CASE_STATUS(X) \
    X(Open, "OPEN")                 \
    X(Closed, "CLOSED")
HILT_DEFINE_MODEL_ENUM(SupportCaseStatus, HILT_SUPPORT_CASE_STATUS);

// ---- POST /v1/payments/{payment_id}/support -----------------------------------------------------

struct SupportCaseRequest {
    std::string message;                 // 1..kMaxSupportMessageChars, multi-line
    std::optional<std::string> contact;  // 1..kMaxSupportContactChars, one line

    friend bool operator==(const SupportCaseRequest&, const SupportCaseRequest&) = default;
};

// One case, as the buyer's 201 and the merchant's reads show it.
struct SupportCase {
    std::string case_id;  // "sup_…"
    std::string payment_id;
    std::string product_id;
    SupportCaseStatus status = SupportCaseStatus::Open;
    std::string message;
    std::optional<std::string> contact;
    std::optional<std::string> resolution;  // the merchant's note when closing
    Timestamp created_at;
    std::optional<Timestamp> closed_at;  // only when CLOSED

    friend bool operator==(const SupportCase&, const SupportCase&) = default;
};

// What a payment of the merchant's trail shows of its cases (never the buyer's payment read).
struct SupportCaseSummary {
    std::string case_id;
    SupportCaseStatus status = SupportCaseStatus::Open;
    Timestamp created_at;

    friend bool operator==(const SupportCaseSummary&, const SupportCaseSummary&) = default;
};

// ---- POST /v1/support-cases/{case_id}/close -----------------------------------------------------

struct SupportCaseCloseRequest {
    std::optional<std::string> resolution;  // 1..kMaxSupportResolutionChars, multi-line

    friend bool operator==(const SupportCaseCloseRequest&,
                           const SupportCaseCloseRequest&) = default;
};

// ---- POST /v1/payments/{payment_id}/delivery ----------------------------------------------------

// Exactly one of two forms:
//  - {"status":"FAILED","reason":"…"}: the delivered access does not work (an expired invite);
//  - {"delivery_value":"…"}: a new value the buyer sees from now on (DELIVERED again). Whether it
//  suits
//    the payment's delivery_type (https for REDIRECT and INVITE_LINK) is checked by hiltd, which
//    knows it.
struct DeliveryUpdateRequest {
    std::optional<DeliveryStatus> status;  // only FAILED
    std::optional<std::string> reason;     // 1..kMaxDeliveryFailureChars, with FAILED
    std::optional<std::string> delivery_value;

    friend bool operator==(const DeliveryUpdateRequest&, const DeliveryUpdateRequest&) = default;
};

// ---- JSON ---------------------------------------------------------------------------------------
[[nodiscard]] Status from_json(const Json& json, SupportCaseRequest& out);
Json to_json(const SupportCaseRequest& value);
[[nodiscard]] Status from_json(const Json& json, SupportCase& out);
Json to_json(const SupportCase& value);
[[nodiscard]] Status from_json(const Json& json, SupportCaseSummary& out);
Json to_json(const SupportCaseSummary& value);
[[nodiscard]] Status from_json(const Json& json, SupportCaseCloseRequest& out);
Json to_json(const SupportCaseCloseRequest& value);
[[nodiscard]] Status from_json(const Json& json, DeliveryUpdateRequest& out);
Json to_json(const DeliveryUpdateRequest& value);

}  // namespace hilt::models
