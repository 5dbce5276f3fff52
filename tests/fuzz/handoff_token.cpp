// tests/fuzz/handoff_token.cpp: the buyer handoff token verifier (server/payments/handoff_token.h).
//
// The test key is ed25519 from the seed 32×0x48 ('H'); the clock is fixed at kNow, before the seeds'
// expiry. Input: the first byte picks the mode, the rest is its input:
//   0  a token, verified as POST /v1/handoff/resolve does;
//   1  claims JSON, signed here with the test key exactly as sign_handoff_token frames it, then
//      verified (mutations reach the claims parser behind the signature, which a fuzzer cannot forge).
// Invariants:
//  - mode 0: a token is accepted only if it is byte for byte what sign_handoff_token writes for the
//    claims it carries (the verifier never accepts bytes the key did not sign, nor another spelling
//    of them); an accepted token has not expired;
//  - mode 1: accepted claims re-sign to a token that verifies to the same claims; a token signed by
//    any other key (the 32×0x49 one) is refused whatever its claims.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "crypto/sodium.h"
#include "encoding/base64.h"
#include "payments/handoff_token.h"

#include "fuzz_support.h"

namespace {

using namespace hilt;
using namespace hilt::server;
using fuzz::require;

// 2026-11-29T12:00:00Z, inside the hour of the seeds' claims (tests/fixtures/models/handoff_claims.json).
constexpr models::Timestamp kNow{1795953600};

const Ed25519Keypair& key(std::uint8_t fill) {
    static const Ed25519Keypair ours = [] {
        Bytes32 seed{};
        seed.fill(0x48);
        return ed25519_keypair_from_seed(seed);
    }();
    static const Ed25519Keypair other = [] {
        Bytes32 seed{};
        seed.fill(0x49);
        return ed25519_keypair_from_seed(seed);
    }();
    return fill == 0x48 ? ours : other;
}

// What sign_handoff_token does, but over any payload text.
std::string sign_payload(std::string_view json, const Ed25519Keypair& signer) {
    const std::string payload = base64url_encode(as_bytes(json));
    const std::string input = std::string(kHandoffSigningDomain) + payload;
    return payload + "." + base64url_encode(ed25519_sign(signer.secret_key, as_bytes(input)));
}

void token(std::string_view text) {
    auto claims = verify_handoff_token(text, key(0x48).public_key, kNow);
    if (!claims) return;
    require(sign_handoff_token(*claims, key(0x48)) == text,
            "accepted a token that is not exactly what the key signed");
    require(kNow < claims->expires_at, "accepted an expired token");
}

void claims_json(std::string_view json) {
    auto claims = verify_handoff_token(sign_payload(json, key(0x48)), key(0x48).public_key, kNow);
    if (claims) {
        require(kNow < claims->expires_at, "accepted expired claims");
        auto again = verify_handoff_token(sign_handoff_token(*claims, key(0x48)), key(0x48).public_key, kNow);
        require(again && *again == *claims, "accepted claims do not survive sign -> verify");
    }
    auto forged = verify_handoff_token(sign_payload(json, key(0x49)), key(0x48).public_key, kNow);
    require(!forged, "accepted a token signed by another key");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
    if (data[0] % 2 == 0) {
        token(input);
    } else {
        claims_json(input);
    }
    return 0;
}
