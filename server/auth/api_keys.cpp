// server/auth/api_keys.cpp: API key and id generation, presented-key hashing.
#include "auth/api_keys.h"

#include "crypto/sodium.h"
#include "encoding/base58.h"
#include "encoding/base64.h"

namespace hilt::server {

namespace {
// 32 random bytes are 43 or 44 base58 characters (fewer only with leading zero bytes, ~1 in 2^8 per byte).
constexpr std::size_t kApiKeyMaxLength = 3 + 44;
constexpr std::size_t kApiKeySecretBytes = 32;
constexpr std::size_t kIdRandomBytes = 16;
}  // namespace

std::string new_id(std::string_view prefix) {
    return std::string(prefix) + "_" + base58_encode(random_bytes(kIdRandomBytes));
}

NewApiKey generate_api_key() {
    NewApiKey key;
    key.key_id = new_id("key");
    key.secret = std::string(kApiKeyPrefix) + base58_encode(random_bytes(kApiKeySecretBytes));
    key.secret_hash = hex_encode(sha256(as_bytes(key.secret)));
    key.display_hint = key.secret.substr(0, kApiKeyDisplayChars) + "…";
    return key;
}

Result<std::string> hash_presented_api_key(std::string_view presented) {
    if (presented.size() > kApiKeyMaxLength || presented.substr(0, kApiKeyPrefix.size()) != kApiKeyPrefix) {
        return fail(ErrorCode::Unauthorized, "the API key is not valid");
    }
    auto decoded = base58_decode(presented.substr(kApiKeyPrefix.size()));
    if (!decoded || decoded->size() != kApiKeySecretBytes) {
        return fail(ErrorCode::Unauthorized, "the API key is not valid");
    }
    return hex_encode(sha256(as_bytes(presented)));
}

}  // namespace hilt::server
