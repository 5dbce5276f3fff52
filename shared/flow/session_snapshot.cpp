// shared/flow/session_snapshot.cpp: JSON of SessionSnapshot (see session_snapshot.h).
#include "flow/session_snapshot.h"

#include "models/checkout.h"
#include "models/json_reader.h"

namespace hilt::flow {

namespace {

using models::Json;

// Request ids are counters; the JSON integer limit keeps them exact in JavaScript.
auto request_id() {
    return [](const Json& j) -> Result<RequestId> {
        auto value = models::read_integer(j, 0, models::kMaxJsonInteger);
        if (!value) return value.error();
        return static_cast<RequestId>(*value);
    };
}

auto stage() {
    return [](const Json& j) -> Result<SnapshotStage> {
        if (!j.is_string()) return fail(ErrorCode::WrongType, "must be a string");
        const auto& text = j.get_ref<const std::string&>();
        for (const auto value : {SnapshotStage::SessionStarted, SnapshotStage::AwaitingConnect,
                                 SnapshotStage::AwaitingSignature, SnapshotStage::Submitted}) {
            if (to_string(value) == text) return value;
        }
        return fail(
            ErrorCode::InvalidEnum,
            "must be one of: session_started, awaiting_connect, awaiting_signature, submitted");
    };
}

}  // namespace

Status from_json(const Json& json, SessionSnapshot& out) {
    if (!json.is_object()) return fail(ErrorCode::WrongType, "must be an object");
    models::ObjectReader r(json);
    r.required("version", out.version, models::integer(0, models::kMaxJsonInteger));
    if (r.ok() && out.version != kSnapshotVersion) {
        r.record(
            fail(ErrorCode::OutOfRange, "written by another version of the checkout", "version"));
    }
    r.required("slug", out.slug, models::slug());
    r.optional("handoff_token", out.handoff_token, models::ascii(models::kMaxHandoffTokenBytes));
    r.optional("handoff", out.handoff, models::model<models::HandoffResolveResponse>());
    r.required("route", out.route, models::enumeration<CheckoutRoute>());
    r.required("session", out.session, models::model<models::ConnectResponse>());
    r.optional("buyer_wallet", out.buyer_wallet, models::public_key());
    r.required("stage", out.stage, stage());
    r.with_default("deeplink_request", out.deeplink_request, request_id());
    r.optional("tx_signature", out.tx_signature, models::signature());
    r.required("last_request", out.last_request, request_id());
    return r.finish();
}

Json to_json(const SessionSnapshot& value) {
    Json json = {{"version", value.version},
                 {"slug", value.slug},
                 {"route", models::to_wire(value.route)},
                 {"session", models::to_json(value.session)},
                 {"stage", std::string(to_string(value.stage))},
                 {"deeplink_request", value.deeplink_request},
                 {"last_request", value.last_request}};
    models::put_optional(json, "handoff_token", value.handoff_token);
    models::put_optional(json, "handoff", value.handoff);
    models::put_optional(json, "buyer_wallet", value.buyer_wallet);
    models::put_optional(json, "tx_signature", value.tx_signature);
    return json;
}

std::string dump_snapshot(const SessionSnapshot& snapshot) {
    return models::dump_json(to_json(snapshot));
}

Result<SessionSnapshot> parse_snapshot(std::string_view text) {
    if (text.size() > kMaxSnapshotBytes) {
        return fail(ErrorCode::PayloadTooLarge, "a stored checkout session is at most 16 KiB");
    }
    return models::parse<SessionSnapshot>(text);
}

}  // namespace hilt::flow
