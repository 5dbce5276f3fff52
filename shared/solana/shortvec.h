// shared/solana/shortvec.h: Solana's compact-u16 ("shortvec") length prefix (solana-phantom.md
// §2.1).
//
// Owns: encoding a u16 as 1–3 little-endian base-128 bytes, and strict decoding of the same.
// Must never: accept an encoding the Solana runtime rejects (more than 3 bytes, a value above
// 0xffff, a non-minimal "aliased" form such as `80 00`), nor read past the end of its input.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/result.h"
#include "encoding/base58.h"

namespace hilt::solana {

// A u16 needs at most 3 groups of 7 bits (short-vec/src/lib.rs MAX_ENCODING_LENGTH).
inline constexpr std::size_t kShortVecMaxBytes = 3;

void shortvec_append(Bytes& out, std::uint16_t value);
Bytes shortvec_encode(std::uint16_t value);

// Decodes the shortvec starting at data[offset] and advances offset past it. On error offset is
// unchanged and the error is malformed_transaction (truncated, too long, overflowing or aliased).
[[nodiscard]] Result<std::uint16_t> shortvec_decode(ByteView data, std::size_t& offset);

}  // namespace hilt::solana
