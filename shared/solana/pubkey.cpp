// shared/solana/pubkey.cpp: PublicKey parsing, printing and the well-known program ids.
#include "solana/pubkey.h"

#include <algorithm>
#include <cassert>

namespace hilt::solana {

PublicKey PublicKey::from_bytes(ByteView bytes32) {
    assert(bytes32.size() == kPublicKeyBytes && "PublicKey::from_bytes needs 32 bytes");
    PublicKey key;
    std::copy_n(bytes32.begin(), std::min(bytes32.size(), kPublicKeyBytes), key.bytes.begin());
    return key;
}

Result<PublicKey> PublicKey::parse(std::string_view base58) {
    // A 32-byte key is at most 44 base58 characters; refuse longer text before decoding it.
    if (base58.size() > 44) return fail(ErrorCode::InvalidLength, "a public key is 32 bytes (≤ 44 base58 characters)");
    auto bytes = base58_decode_exact(base58, kPublicKeyBytes);
    if (!bytes) return bytes.error();
    return from_bytes(*bytes);
}

std::string PublicKey::to_base58() const { return base58_encode(bytes); }

bool PublicKey::is_zero() const {
    return std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t b) { return b == 0; });
}

namespace programs {
namespace {
// Decoded by the compiler: no base58 runs as the program starts (the checkout's .wasm spent up to 8 ms
// of its first load on these), and a typo in the table below does not compile (a throw is not a
// constant expression). Base58 is a big-endian base-58 number; each leading '1' is a zero byte.
consteval PublicKey known(std::string_view base58) {
    PublicKey key;
    for (const char c : base58) {
        const std::size_t digit = kBase58Alphabet.find(c);
        if (digit == std::string_view::npos) throw "not a base58 character";
        unsigned carry = static_cast<unsigned>(digit);
        for (std::size_t i = kPublicKeyBytes; i-- > 0;) {
            carry += key.bytes[i] * 58u;
            key.bytes[i] = static_cast<std::uint8_t>(carry & 0xffu);
            carry >>= 8;
        }
        if (carry != 0) throw "more than 32 bytes";
    }
    std::size_t ones = 0;
    while (ones < base58.size() && base58[ones] == '1') ++ones;
    std::size_t zero_bytes = 0;
    while (zero_bytes < kPublicKeyBytes && key.bytes[zero_bytes] == 0) ++zero_bytes;
    if (ones != zero_bytes) throw "not exactly 32 bytes";
    return key;
}
}  // namespace

constinit const PublicKey kSystem = known("11111111111111111111111111111111");
constinit const PublicKey kToken = known("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA");
constinit const PublicKey kToken2022 = known("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb");
constinit const PublicKey kAssociatedToken = known("ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL");
constinit const PublicKey kMemo = known("MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr");
constinit const PublicKey kMemoV1 = known("Memo1UhkJRfHyvLMcVucJwxXeuD728EqVDDwQDxFMNo");
constinit const PublicKey kComputeBudget = known("ComputeBudget111111111111111111111111111111");
constinit const PublicKey kLighthouse = known("L2TExMFKdjpN9kozasaurPirfHy9P8sbXoAN1qA3S95");
}  // namespace programs

}  // namespace hilt::solana
