// shared/encoding/base58.h: base58 with the Bitcoin alphabet, as Solana uses for keys, signatures,
// blockhashes and every binary field of a Phantom deeplink.
//  - Each leading zero byte encodes as '1' and decodes back to a zero byte.
//  - Decoding rejects any character outside the alphabet (including whitespace) with invalid_base58.
//  - Inputs are bounded (kBase58MaxDecodedBytes): base58 is quadratic, and deeplinks carry whole transactions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace hilt {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// Largest decoded size accepted: a 1232-byte transaction plus headroom for an encrypted deeplink payload
// around it (Phantom's Android limit is about 31k characters of URL anyway).
inline constexpr std::size_t kBase58MaxDecodedBytes = 16 * 1024;
// The Bitcoin alphabet: a digit's value is its index.
inline constexpr std::string_view kBase58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

std::string base58_encode(ByteView bytes);
[[nodiscard]] Result<Bytes> base58_decode(std::string_view text);
// Decodes and requires exactly `size` bytes (a key, a signature, a nonce): invalid_length otherwise.
[[nodiscard]] Result<Bytes> base58_decode_exact(std::string_view text, std::size_t size);

}  // namespace hilt
