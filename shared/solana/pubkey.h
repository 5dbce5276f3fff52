// shared/solana/pubkey.h: a Solana address (ed25519 public key, program id, PDA, blockhash: any 32 bytes).
//  - Text form is base58; parse() accepts exactly 32 decoded bytes and nothing else.
//  - Value type: comparable, hashable, cheap to copy.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "encoding/base58.h"

namespace hilt::solana {

inline constexpr std::size_t kPublicKeyBytes = 32;

struct PublicKey {
    std::array<std::uint8_t, kPublicKeyBytes> bytes{};

    static PublicKey from_bytes(ByteView bytes32);  // bytes32.size() must be 32 (asserts)
    [[nodiscard]] static Result<PublicKey> parse(std::string_view base58);
    std::string to_base58() const;
    bool is_zero() const;

    // Written out: Emscripten 3.1.6's libc++ has no operator<=> for std::array, so `= default` is deleted.
    friend std::strong_ordering operator<=>(const PublicKey& a, const PublicKey& b) {
        for (std::size_t i = 0; i < kPublicKeyBytes; ++i) {
            if (a.bytes[i] != b.bytes[i]) return a.bytes[i] <=> b.bytes[i];
        }
        return std::strong_ordering::equal;
    }
    friend bool operator==(const PublicKey& a, const PublicKey& b) { return a.bytes == b.bytes; }
};

// Well-known program ids (solana-phantom.md §3.1).
namespace programs {
extern const PublicKey kSystem;
extern const PublicKey kToken;
extern const PublicKey kToken2022;
extern const PublicKey kAssociatedToken;
extern const PublicKey kMemo;
extern const PublicKey kMemoV1;
extern const PublicKey kComputeBudget;
// Lighthouse, the guard program Phantom may insert on mainnet (solana-phantom.md §1.6).
extern const PublicKey kLighthouse;
}  // namespace programs

}  // namespace hilt::solana

template <>
struct std::hash<hilt::solana::PublicKey> {
    std::size_t operator()(const hilt::solana::PublicKey& key) const noexcept {
        std::size_t h = 0;
        for (std::size_t i = 0; i < sizeof(std::size_t); ++i) h = (h << 8) | key.bytes[i];
        return h;
    }
};
