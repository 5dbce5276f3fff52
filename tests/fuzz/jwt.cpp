// tests/fuzz/jwt.cpp: the merchant session JWT verifier (server/auth/jwt.h, HS256 only).
//
// The test key is 32×0x4a ('J'); the clock is fixed at kNow, inside the seeds' lifetime. Input: the
// first byte picks the mode, the rest is its input:
//   0  a token, verified as the Authorization: Bearer header is;
//   1  "<header JSON>\n<payload JSON>", signed here with the test key (HMAC over
//      base64url(header) "." base64url(payload)), then verified: mutations reach the algorithm check
//      and the claims parser behind the MAC, which a fuzzer cannot forge.
// Invariants:
//  - mode 0: a token is accepted only if it is byte for byte what jwt_sign writes for its claims
//    (the verifier never accepts bytes the key did not MAC, nor another spelling of them);
//  - both modes: an accepted token is unexpired, not issued beyond the clock skew, and its header
//    names HS256; its claims re-sign to a token that verifies to the same claims;
//  - mode 1: the same text MACed with another key (32×0x4b) is always refused.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "auth/jwt.h"
#include "crypto/sodium.h"
#include "encoding/base64.h"

#include "fuzz_support.h"

namespace {

using namespace hilt;
using namespace hilt::server;
using fuzz::require;

// 2026-11-29T12:00:00Z; make_seeds.cpp issues its tokens at this instant.
constexpr std::int64_t kNow = 1795953600;

SecretBytes<32> key(std::uint8_t fill) {
    Bytes32 bytes{};
    bytes.fill(fill);
    return SecretBytes<32>(bytes);
}

bool same(const JwtClaims& a, const JwtClaims& b) {
    return a.subject == b.subject && a.token_id == b.token_id && a.issued_at == b.issued_at &&
           a.expires_at == b.expires_at && a.key_id == b.key_id;
}

void accepted(const JwtClaims& claims, const SecretBytes<32>& signing_key) {
    require(kNow < claims.expires_at, "accepted an expired token");
    require(claims.issued_at <= kNow + kJwtClockSkewSeconds, "accepted a token issued in the future");
    auto again = jwt_verify(jwt_sign(claims, signing_key), signing_key, kNow);
    require(again && same(*again, claims), "accepted claims do not survive sign -> verify");
}

std::string mac_token(std::string_view header, std::string_view payload, const SecretBytes<32>& k) {
    const std::string input = base64url_encode(as_bytes(header)) + "." + base64url_encode(as_bytes(payload));
    return input + "." + base64url_encode(hmac_sha256(k.view(), as_bytes(input)));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    static const SecretBytes<32> ours = key(0x4a);
    static const SecretBytes<32> other = key(0x4b);
    const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
    if (data[0] % 2 == 0) {
        auto claims = jwt_verify(input, ours, kNow);
        if (!claims) return 0;
        require(jwt_sign(*claims, ours) == input, "accepted a token that is not exactly what the key signed");
        accepted(*claims, ours);
        return 0;
    }
    const auto newline = input.find('\n');
    if (newline == std::string_view::npos) return 0;
    const auto header = input.substr(0, newline);
    const auto payload = input.substr(newline + 1);
    auto claims = jwt_verify(mac_token(header, payload, ours), ours, kNow);
    if (claims) {
        require(header.find("HS256") != std::string_view::npos, "accepted a header that does not name HS256");
        accepted(*claims, ours);
    }
    require(!jwt_verify(mac_token(header, payload, other), ours, kNow), "accepted a token MACed with another key");
    return 0;
}
