// server/payments/handoff_token.cpp: compact signed tokens, JWS-like but with one fixed algorithm and
// no header to negotiate.
#include "payments/handoff_token.h"

#include "encoding/base64.h"

namespace hilt::server {

namespace {

Bytes signing_input(std::string_view payload) {
    // Byte by byte: GCC 12 at -O3 misreads vector::insert of a string range (a false -Warray-bounds).
    Bytes input;
    input.reserve(kHandoffSigningDomain.size() + payload.size());
    for (char c : kHandoffSigningDomain) input.push_back(static_cast<std::uint8_t>(c));
    for (char c : payload) input.push_back(static_cast<std::uint8_t>(c));
    return input;
}

Error invalid() { return fail(ErrorCode::HandoffInvalid, "this handoff link is not valid", "token"); }

}  // namespace

std::string sign_handoff_token(const models::HandoffClaims& claims, const Ed25519Keypair& key) {
    const auto payload = base64url_encode(as_bytes(models::dump(claims)));
    const auto signature = ed25519_sign(key.secret_key, signing_input(payload));
    return payload + "." + base64url_encode(signature);
}

Result<models::HandoffClaims> verify_handoff_token(std::string_view token, const Bytes32& public_key,
                                                   models::Timestamp now) {
    if (token.size() > models::kMaxHandoffTokenBytes) return invalid();
    const auto dot = token.find('.');
    if (dot == std::string_view::npos || token.find('.', dot + 1) != std::string_view::npos) return invalid();
    const auto payload = token.substr(0, dot);
    auto signature = base64url_decode(token.substr(dot + 1));
    if (!signature || signature->size() != 64) return invalid();
    Bytes64 sig{};
    std::copy_n(signature->data(), sig.size(), sig.begin());
    if (!ed25519_verify(public_key, signing_input(payload), sig)) return invalid();
    auto json = base64url_decode(payload);
    if (!json) return invalid();
    auto claims = models::parse<models::HandoffClaims>(to_string(*json));
    if (!claims) return invalid();
    if (now >= claims->expires_at) {
        return fail(ErrorCode::HandoffExpired, "this handoff link has expired", "token");
    }
    return claims;
}

}  // namespace hilt::server
