// server/webhooks/signing.h: Standard Webhooks signatures (https://www.standardwebhooks.com).
//
// Signed content: "{webhook-id}.{webhook-timestamp}.{body}", body byte for byte as sent.
//  - v1:  base64(HMAC-SHA256(key, content)), key = the base64 after "whsec_" of the endpoint's secret.
//  - v1a: base64(ed25519 signature of content) by Hilt's webhook key, whose public half is published at
//         /.well-known/hilt/webhook-key as "whpk_" + base64(32 bytes): verifiable without a shared secret.
// The webhook-signature header lists them space-separated: one v1 per valid secret (two while a rotated-out
// secret is in its overlap), then v1a. Receivers accept the request when any listed signature verifies.
// Must never: sign anything but the exact bytes sent, or accept a secret that is not "whsec_" + base64.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "crypto/sodium.h"

namespace hilt::server {

inline constexpr std::string_view kWebhookSecretPrefix = "whsec_";
inline constexpr std::string_view kWebhookPublicKeyPrefix = "whpk_";
inline constexpr std::size_t kWebhookSecretBytes = 32;

// A new endpoint secret: "whsec_" + base64 of 32 random bytes.
std::string new_webhook_secret();
// The HMAC key of a secret; invalid_value unless it is "whsec_" + base64 of 24..64 bytes.
[[nodiscard]] Result<Bytes> webhook_secret_key(std::string_view secret);
// "whpk_" + base64 of the ed25519 public key.
std::string webhook_public_key_text(const Bytes32& public_key);

std::string signed_content(std::string_view id, std::int64_t timestamp, std::string_view body);
// The webhook-signature header value.
[[nodiscard]] Result<std::string> webhook_signature_header(std::string_view id, std::int64_t timestamp,
                                                           std::string_view body,
                                                           const std::vector<std::string>& secrets,
                                                           const Ed25519Keypair& signing_key);

// Signs webhook-signature headers as webhook_signature_header does, remembering its last few v1a signatures.
// An event sent to several endpoints within one second has the same signed content, and ed25519 signatures
// are deterministic (RFC 8032): the remembered one is the one signing would make. The v1a signature is most
// of signing's cost (a v1 HMAC is a few microseconds). One per sender thread: not for concurrent use.
class WebhookSigner {
public:
    explicit WebhookSigner(const Ed25519Keypair& signing_key) : signing_key_(signing_key) {}
    [[nodiscard]] Result<std::string> header(std::string_view id, std::int64_t timestamp, std::string_view body,
                                             const std::vector<std::string>& secrets);

private:
    static constexpr std::size_t kRemembered = 8;
    struct Remembered {
        std::string content;
        std::string v1a;
    };
    const Ed25519Keypair& signing_key_;
    std::vector<Remembered> remembered_;  // oldest first
};

}  // namespace hilt::server
