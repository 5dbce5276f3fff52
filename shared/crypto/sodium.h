// shared/crypto/sodium.h: the one wrapper over libsodium. Every hash, signature, box and random byte in
// Hilt goes through here.
//  - crypto_ready() initialises libsodium once and must be checked; every other function assumes it.
//  - Verification results are [[nodiscard]]; comparisons of secrets are constant-time.
//  - Secret material lives in SecretBytes, wiped on destruction.
// WARNING: ed25519_is_on_curve is the Solana "on curve" test (plain point decompression), NOT libsodium's
// crypto_core_ed25519_is_valid_point, which also rejects small-order and non-subgroup points and so derives
// wrong program addresses (solana-phantom.md §3.4).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/result.h"
#include "encoding/base58.h"

namespace hilt {

inline constexpr std::size_t kEd25519PublicKeyBytes = 32;
inline constexpr std::size_t kEd25519SecretKeyBytes = 64;  // seed(32) || public key(32), as Solana's
inline constexpr std::size_t kEd25519SeedBytes = 32;
inline constexpr std::size_t kEd25519SignatureBytes = 64;
inline constexpr std::size_t kSha256Bytes = 32;
inline constexpr std::size_t kX25519KeyBytes = 32;
inline constexpr std::size_t kBoxNonceBytes = 24;
inline constexpr std::size_t kBoxMacBytes = 16;
inline constexpr std::size_t kBoxSharedKeyBytes = 32;

using Bytes32 = std::array<std::uint8_t, 32>;
using Bytes64 = std::array<std::uint8_t, 64>;
using Nonce24 = std::array<std::uint8_t, kBoxNonceBytes>;

// Fixed-size secret storage, wiped when it goes out of scope.
template <std::size_t N>
class SecretBytes {
public:
    SecretBytes() = default;
    explicit SecretBytes(const std::array<std::uint8_t, N>& bytes) : bytes_(bytes) {}
    SecretBytes(const SecretBytes&) = default;
    SecretBytes& operator=(const SecretBytes&) = default;
    ~SecretBytes();
    std::uint8_t* data() { return bytes_.data(); }
    const std::uint8_t* data() const { return bytes_.data(); }
    static constexpr std::size_t size() { return N; }
    ByteView view() const { return {bytes_.data(), N}; }
    const std::array<std::uint8_t, N>& array() const { return bytes_; }

private:
    std::array<std::uint8_t, N> bytes_{};
};

void secure_wipe(void* data, std::size_t size);
template <std::size_t N>
SecretBytes<N>::~SecretBytes() {
    secure_wipe(bytes_.data(), N);
}

// Initialises libsodium (thread-safe, idempotent). crypto_unavailable when it cannot start.
[[nodiscard]] Status crypto_ready();

void random_fill(std::uint8_t* out, std::size_t size);
Bytes random_bytes(std::size_t size);
template <std::size_t N>
std::array<std::uint8_t, N> random_array() {
    std::array<std::uint8_t, N> out{};
    random_fill(out.data(), N);
    return out;
}

// Constant-time equality of two equally long byte strings (false when the lengths differ).
[[nodiscard]] bool constant_time_equal(ByteView a, ByteView b);

// ---- hashes -------------------------------------------------------------------------------------------
Bytes32 sha256(ByteView data);
Bytes32 hmac_sha256(ByteView key, ByteView message);

// ---- ed25519 ------------------------------------------------------------------------------------------
struct Ed25519Keypair {
    Bytes32 public_key{};
    SecretBytes<kEd25519SecretKeyBytes> secret_key;  // seed || public key
};
Ed25519Keypair ed25519_keypair_from_seed(const Bytes32& seed);
Ed25519Keypair ed25519_keypair_random();
// A 64-byte Solana secret key; invalid_key when its second half is not the public key of its seed.
[[nodiscard]] Result<Ed25519Keypair> ed25519_keypair_from_secret(ByteView secret64);
Bytes64 ed25519_sign(const SecretBytes<kEd25519SecretKeyBytes>& secret_key, ByteView message);
[[nodiscard]] bool ed25519_verify(const Bytes32& public_key, ByteView message, const Bytes64& signature);
// True when the 32 bytes decompress to a point of the ed25519 curve (Solana's PDA test).
[[nodiscard]] bool ed25519_is_on_curve(const Bytes32& bytes);

// ---- X25519 + XSalsa20-Poly1305 box (Phantom deeplinks) -------------------------------------------------
struct X25519Keypair {
    Bytes32 public_key{};
    SecretBytes<kX25519KeyBytes> secret_key;
};
X25519Keypair x25519_keypair_random();
X25519Keypair x25519_keypair_from_secret(const Bytes32& secret);
// crypto_box_beforenm; invalid_key for a low-order peer key (libsodium returns -1; tweetnacl would not).
[[nodiscard]] Result<SecretBytes<kBoxSharedKeyBytes>> box_shared_key(const Bytes32& peer_public_key,
                                                                     const SecretBytes<kX25519KeyBytes>& own_secret);
// tag(16) || ciphertext, the crypto_box_easy_afternm layout (equal to tweetnacl's nacl.box.after).
Bytes box_seal(ByteView plaintext, const Nonce24& nonce, const SecretBytes<kBoxSharedKeyBytes>& shared);
[[nodiscard]] Result<Bytes> box_open(ByteView ciphertext, const Nonce24& nonce,
                                     const SecretBytes<kBoxSharedKeyBytes>& shared);

}  // namespace hilt
