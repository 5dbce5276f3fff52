// shared/models/handoff.cpp: JSON of handoff links and claims (see handoff.h).
#include "models/handoff.h"

namespace hilt::models {
namespace {
auto buyer_ref() { return text({.min_chars = 1, .max_chars = kMaxBuyerRefChars}); }
}  // namespace

Status from_json(const Json& json, HandoffLinkRequest& out) {
    ObjectReader r(json);
    r.required("buyer_ref", out.buyer_ref, buyer_ref());
    r.required("identity", out.identity, model<Identity>());
    r.optional("expires_in_seconds", out.expires_in_seconds,
               integer(kMinHandoffTtlSeconds, kMaxHandoffTtlSeconds));
    return r.finish();
}

Json to_json(const HandoffLinkRequest& value) {
    Json json = {{"buyer_ref", value.buyer_ref}, {"identity", to_json(value.identity)}};
    put_optional(json, "expires_in_seconds", value.expires_in_seconds);
    return json;
}

Status from_json(const Json& json, HandoffLinkResponse& out) {
    ObjectReader r(json);
    r.required("url", out.url, https_url());
    r.required("token", out.token, ascii(kMaxHandoffTokenBytes));
    r.required("expires_at", out.expires_at, timestamp());
    return r.finish();
}

Json to_json(const HandoffLinkResponse& value) {
    return {{"url", value.url}, {"token", value.token}, {"expires_at", to_wire(value.expires_at)}};
}

Status from_json(const Json& json, HandoffClaims& out) {
    ObjectReader r(json);
    r.required("token_id", out.token_id, id(kHandoffTokenIdPrefix));
    r.required("product_id", out.product_id, id(kProductIdPrefix));
    r.required("slug", out.slug, slug());
    r.required("buyer_ref", out.buyer_ref, buyer_ref());
    r.required("identity", out.identity, model<Identity>());
    r.required("issued_at", out.issued_at, timestamp());
    r.required("expires_at", out.expires_at, timestamp());
    if (r.ok() && out.expires_at <= out.issued_at) {
        r.record(fail(ErrorCode::OutOfRange, "must be after issued_at", "expires_at"));
    }
    return r.finish();
}

Json to_json(const HandoffClaims& value) {
    return {{"token_id", value.token_id},
            {"product_id", value.product_id},
            {"slug", value.slug},
            {"buyer_ref", value.buyer_ref},
            {"identity", to_json(value.identity)},
            {"issued_at", to_wire(value.issued_at)},
            {"expires_at", to_wire(value.expires_at)}};
}

HandoffResolveResponse to_resolve_response(const HandoffClaims& claims) {
    return {claims.slug, claims.buyer_ref, to_public(claims.identity), claims.expires_at};
}

}  // namespace hilt::models
