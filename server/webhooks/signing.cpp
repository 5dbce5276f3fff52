// server/webhooks/signing.cpp: see signing.h.
#include "webhooks/signing.h"

#include <algorithm>

#include "encoding/base64.h"

namespace hilt::server {

std::string new_webhook_secret() {
    const auto bytes = random_bytes(kWebhookSecretBytes);
    return std::string(kWebhookSecretPrefix) + base64_encode(bytes);
}

Result<Bytes> webhook_secret_key(std::string_view secret) {
    if (!secret.starts_with(kWebhookSecretPrefix)) {
        return fail(ErrorCode::InvalidValue, "a webhook secret starts with whsec_");
    }
    auto key = base64_decode(secret.substr(kWebhookSecretPrefix.size()));
    if (!key || key->size() < 24 || key->size() > 64) {
        return fail(ErrorCode::InvalidValue, "a webhook secret is whsec_ and base64 of 24..64 bytes");
    }
    return std::move(*key);
}

std::string webhook_public_key_text(const Bytes32& public_key) {
    return std::string(kWebhookPublicKeyPrefix) + base64_encode(public_key);
}

std::string signed_content(std::string_view id, std::int64_t timestamp, std::string_view body) {
    std::string content;
    content.reserve(id.size() + body.size() + 24);
    content.append(id).append(".").append(std::to_string(timestamp)).append(".").append(body);
    return content;
}

Result<std::string> webhook_signature_header(std::string_view id, std::int64_t timestamp, std::string_view body,
                                             const std::vector<std::string>& secrets,
                                             const Ed25519Keypair& signing_key) {
    return WebhookSigner(signing_key).header(id, timestamp, body, secrets);
}

Result<std::string> WebhookSigner::header(std::string_view id, std::int64_t timestamp, std::string_view body,
                                          const std::vector<std::string>& secrets) {
    auto content = signed_content(id, timestamp, body);
    std::string header;
    for (const auto& secret : secrets) {
        auto key = webhook_secret_key(secret);
        if (!key) return key.error();
        header.append("v1,").append(base64_encode(hmac_sha256(*key, as_bytes(content)))).append(" ");
    }
    const auto known = std::find_if(remembered_.begin(), remembered_.end(),
                                    [&content](const Remembered& r) { return r.content == content; });
    if (known != remembered_.end()) return header.append("v1a,").append(known->v1a);
    auto v1a = base64_encode(ed25519_sign(signing_key_.secret_key, as_bytes(content)));
    header.append("v1a,").append(v1a);
    if (remembered_.size() == kRemembered) remembered_.erase(remembered_.begin());
    remembered_.push_back({std::move(content), std::move(v1a)});
    return header;
}

}  // namespace hilt::server
