// server/payments/handoff_token.h: signed buyer handoff tokens (api.md POST /v1/products/{id}/handoff-link,
// POST /v1/handoff/resolve).
//
// Token text: base64url(claims JSON) "." base64url(ed25519 signature), the signature taken over
// kHandoffSigningDomain followed by the first part, with the server's handoff key. The claims are
// models::HandoffClaims (token_id, product, slug, buyer_ref, identity, issued_at, expires_at).
// Owns: signing and verifying; single use is the store's (handoff_uses), checked at connect.
// Must never: accept a token whose signature does not verify, whatever its claims say, or leak the
// identity's value through an error message.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "crypto/sodium.h"
#include "models/handoff.h"

namespace hilt::server {

inline constexpr std::string_view kHandoffSigningDomain = "hilt-handoff-v1\n";

std::string sign_handoff_token(const models::HandoffClaims& claims, const Ed25519Keypair& key);

// handoff_invalid (401) for anything malformed, tampered or signed by another key; handoff_expired (410)
// when now >= expires_at. Use is not checked here.
[[nodiscard]] Result<models::HandoffClaims> verify_handoff_token(std::string_view token,
                                                                 const Bytes32& public_key,
                                                                 models::Timestamp now);

}  // namespace hilt::server
