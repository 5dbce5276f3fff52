// tests/oracle/ops_crypto.cpp: base58 and NaCl box operations for the oracle tests.
#include <algorithm>

#include "crypto/sodium.h"
#include "encoding/base58.h"
#include "encoding/base64.h"
#include "oracle/oracle.h"

namespace hilt::oracle {
namespace {

nlohmann::json error_json(const Error& error) {
    return {{"error", std::string(to_string(error.code))}, {"message", error.message}};
}

template <std::size_t N>
bool array_from_hex(const nlohmann::json& value, std::array<std::uint8_t, N>& out) {
    auto bytes = hex_decode(value.get<std::string>());
    if (!bytes || bytes->size() != N) return false;
    std::copy(bytes->begin(), bytes->end(), out.begin());
    return true;
}

// {"hex"} -> {"base58"}
nlohmann::json base58_encode_op(const nlohmann::json& request) {
    auto bytes = hex_decode(request.at("hex").get<std::string>());
    if (!bytes) return error_json(bytes.error());
    return {{"base58", base58_encode(*bytes)}};
}

// {"base58"} -> {"hex"}
nlohmann::json base58_decode_op(const nlohmann::json& request) {
    auto bytes = base58_decode(request.at("base58").get<std::string>());
    if (!bytes) return error_json(bytes.error());
    return {{"hex", hex_encode(*bytes)}};
}

// {"own_secret_hex", "peer_public_hex", "nonce_hex", "plaintext_hex"} -> {"ciphertext_base58"}
nlohmann::json box_seal_op(const nlohmann::json& request) {
    Bytes32 secret{}, peer{};
    Nonce24 nonce{};
    if (!array_from_hex(request.at("own_secret_hex"), secret) ||
        !array_from_hex(request.at("peer_public_hex"), peer) ||
        !array_from_hex(request.at("nonce_hex"), nonce)) {
        return {{"error", "bad_request"}};
    }
    auto plaintext = hex_decode(request.at("plaintext_hex").get<std::string>());
    if (!plaintext) return error_json(plaintext.error());
    const auto own = x25519_keypair_from_secret(secret);
    auto shared = box_shared_key(peer, own.secret_key);
    if (!shared) return error_json(shared.error());
    return {{"ciphertext_base58", base58_encode(box_seal(*plaintext, nonce, *shared))},
            {"own_public_base58", base58_encode(own.public_key)}};
}

// {"own_secret_hex", "peer_public_hex", "nonce_base58", "ciphertext_base58"} -> {"plaintext_hex"}
nlohmann::json box_open_op(const nlohmann::json& request) {
    Bytes32 secret{}, peer{};
    if (!array_from_hex(request.at("own_secret_hex"), secret) ||
        !array_from_hex(request.at("peer_public_hex"), peer)) {
        return {{"error", "bad_request"}};
    }
    auto nonce_bytes = base58_decode_exact(request.at("nonce_base58").get<std::string>(), kBoxNonceBytes);
    if (!nonce_bytes) return error_json(nonce_bytes.error());
    Nonce24 nonce{};
    std::copy(nonce_bytes->begin(), nonce_bytes->end(), nonce.begin());
    auto ciphertext = base58_decode(request.at("ciphertext_base58").get<std::string>());
    if (!ciphertext) return error_json(ciphertext.error());
    const auto own = x25519_keypair_from_secret(secret);
    auto shared = box_shared_key(peer, own.secret_key);
    if (!shared) return error_json(shared.error());
    auto plaintext = box_open(*ciphertext, nonce, *shared);
    if (!plaintext) return error_json(plaintext.error());
    return {{"plaintext_hex", hex_encode(*plaintext)}};
}

HILT_ORACLE_OP("base58_encode", base58_encode_op);
HILT_ORACLE_OP("base58_decode", base58_decode_op);
HILT_ORACLE_OP("box_seal", box_seal_op);
HILT_ORACLE_OP("box_open", box_open_op);

}  // namespace
}  // namespace hilt::oracle
