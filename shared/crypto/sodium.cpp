// shared/crypto/sodium.cpp: libsodium calls behind Hilt's crypto API.
#include "crypto/sodium.h"

#include <sodium.h>

#include <cstring>

namespace hilt {

void secure_wipe(void* data, std::size_t size) { sodium_memzero(data, size); }

Status crypto_ready() {
    // sodium_init is itself thread-safe and idempotent: 0 first time, 1 when already initialised.
    if (sodium_init() < 0) return fail(ErrorCode::CryptoUnavailable, "libsodium failed to initialise");
    return {};
}

void random_fill(std::uint8_t* out, std::size_t size) { randombytes_buf(out, size); }

Bytes random_bytes(std::size_t size) {
    Bytes out(size);
    random_fill(out.data(), size);
    return out;
}

bool constant_time_equal(ByteView a, ByteView b) {
    if (a.size() != b.size()) return false;
    if (a.empty()) return true;
    return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

Bytes32 sha256(ByteView data) {
    Bytes32 out{};
    crypto_hash_sha256(out.data(), data.data(), data.size());
    return out;
}

Bytes32 hmac_sha256(ByteView key, ByteView message) {
    Bytes32 out{};
    crypto_auth_hmacsha256_state state;
    crypto_auth_hmacsha256_init(&state, key.data(), key.size());
    crypto_auth_hmacsha256_update(&state, message.data(), message.size());
    crypto_auth_hmacsha256_final(&state, out.data());
    sodium_memzero(&state, sizeof state);
    return out;
}

Ed25519Keypair ed25519_keypair_from_seed(const Bytes32& seed) {
    Ed25519Keypair keypair;
    crypto_sign_seed_keypair(keypair.public_key.data(), keypair.secret_key.data(), seed.data());
    return keypair;
}

Ed25519Keypair ed25519_keypair_random() {
    Ed25519Keypair keypair;
    crypto_sign_keypair(keypair.public_key.data(), keypair.secret_key.data());
    return keypair;
}

Result<Ed25519Keypair> ed25519_keypair_from_secret(ByteView secret64) {
    if (secret64.size() != kEd25519SecretKeyBytes) {
        return fail(ErrorCode::InvalidLength, "an ed25519 secret key is 64 bytes");
    }
    SecretBytes<kEd25519SeedBytes> seed;
    std::memcpy(seed.data(), secret64.data(), kEd25519SeedBytes);
    Ed25519Keypair keypair = ed25519_keypair_from_seed(seed.array());
    if (!constant_time_equal(keypair.public_key, secret64.subspan(32, 32))) {
        return fail(ErrorCode::InvalidKey, "the secret key's public half does not match its seed");
    }
    return keypair;
}

Bytes64 ed25519_sign(const SecretBytes<kEd25519SecretKeyBytes>& secret_key, ByteView message) {
    Bytes64 signature{};
    crypto_sign_detached(signature.data(), nullptr, message.data(), message.size(), secret_key.data());
    return signature;
}

bool ed25519_verify(const Bytes32& public_key, ByteView message, const Bytes64& signature) {
    return crypto_sign_verify_detached(signature.data(), message.data(), message.size(),
                                       public_key.data()) == 0;
}

bool ed25519_is_on_curve(const Bytes32& bytes) {
    // crypto_core_ed25519_add only decompresses its inputs (ge25519_frombytes) and checks they are on the
    // curve; it does not apply the canonical/small-order/subgroup checks of is_valid_point.
    unsigned char sum[crypto_core_ed25519_BYTES];
    return crypto_core_ed25519_add(sum, bytes.data(), bytes.data()) == 0;
}

X25519Keypair x25519_keypair_random() {
    X25519Keypair keypair;
    crypto_box_keypair(keypair.public_key.data(), keypair.secret_key.data());
    return keypair;
}

X25519Keypair x25519_keypair_from_secret(const Bytes32& secret) {
    X25519Keypair keypair;
    keypair.secret_key = SecretBytes<kX25519KeyBytes>(secret);
    crypto_scalarmult_base(keypair.public_key.data(), keypair.secret_key.data());
    return keypair;
}

Result<SecretBytes<kBoxSharedKeyBytes>> box_shared_key(const Bytes32& peer_public_key,
                                                       const SecretBytes<kX25519KeyBytes>& own_secret) {
    SecretBytes<kBoxSharedKeyBytes> shared;
    if (crypto_box_beforenm(shared.data(), peer_public_key.data(), own_secret.data()) != 0) {
        return fail(ErrorCode::InvalidKey, "the peer's encryption key is a low-order point");
    }
    return shared;
}

Bytes box_seal(ByteView plaintext, const Nonce24& nonce, const SecretBytes<kBoxSharedKeyBytes>& shared) {
    Bytes out(plaintext.size() + kBoxMacBytes);
    crypto_box_easy_afternm(out.data(), plaintext.data(), plaintext.size(), nonce.data(), shared.data());
    return out;
}

Result<Bytes> box_open(ByteView ciphertext, const Nonce24& nonce,
                       const SecretBytes<kBoxSharedKeyBytes>& shared) {
    if (ciphertext.size() < kBoxMacBytes) {
        return fail(ErrorCode::DecryptFailed, "ciphertext is shorter than its authentication tag");
    }
    Bytes out(ciphertext.size() - kBoxMacBytes);
    if (crypto_box_open_easy_afternm(out.data(), ciphertext.data(), ciphertext.size(), nonce.data(),
                                     shared.data()) != 0) {
        return fail(ErrorCode::DecryptFailed, "ciphertext does not authenticate");
    }
    return out;
}

}  // namespace hilt
