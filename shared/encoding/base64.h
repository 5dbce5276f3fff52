// shared/encoding/base64.h: standard base64 (RFC 4648 §4, padded), as Solana JSON-RPC and the Hilt API
// use for wire transactions, and base64url without padding (§5), as JWTs and handoff tokens use.
//  - Decoding is strict: wrong alphabet, bad padding, non-zero trailing bits and whitespace are rejected.
#pragma once

#include <string>
#include <string_view>

#include "encoding/base58.h"

namespace hilt {

std::string base64_encode(ByteView bytes);
[[nodiscard]] Result<Bytes> base64_decode(std::string_view text);

std::string base64url_encode(ByteView bytes);  // no padding
[[nodiscard]] Result<Bytes> base64url_decode(std::string_view text);

inline ByteView as_bytes(std::string_view text) {
    return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}
inline std::string to_string(ByteView bytes) { return {bytes.begin(), bytes.end()}; }

std::string hex_encode(ByteView bytes);
[[nodiscard]] Result<Bytes> hex_decode(std::string_view text);

}  // namespace hilt
