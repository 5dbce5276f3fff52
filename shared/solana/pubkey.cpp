// shared/solana/pubkey.cpp: PublicKey parsing, printing and the well-known program ids.
#include "solana/pubkey.h"

#include <algorithm>
#include <cassert>
#include <cstdlib>

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
PublicKey known(std::string_view base58) {
    auto key = PublicKey::parse(base58);
    if (!key) std::abort();  // a typo in the table below; caught by every test run
    return *key;
}
}  // namespace

const PublicKey kSystem = known("11111111111111111111111111111111");
const PublicKey kToken = known("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA");
const PublicKey kToken2022 = known("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb");
const PublicKey kAssociatedToken = known("ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL");
const PublicKey kMemo = known("MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr");
const PublicKey kMemoV1 = known("Memo1UhkJRfHyvLMcVucJwxXeuD728EqVDDwQDxFMNo");
const PublicKey kComputeBudget = known("ComputeBudget111111111111111111111111111111");
const PublicKey kLighthouse = known("L2TExMFKdjpN9kozasaurPirfHy9P8sbXoAN1qA3S95");
}  // namespace programs

}  // namespace hilt::solana
