// shared/solana/shortvec.cpp: compact-u16 encode/decode, following short-vec/src/lib.rs visit_byte.
#include "solana/shortvec.h"

namespace hilt::solana {

void shortvec_append(Bytes& out, std::uint16_t value) {
    std::uint32_t rest = value;
    while (true) {
        std::uint8_t byte = static_cast<std::uint8_t>(rest & 0x7f);
        rest >>= 7;
        if (rest == 0) {
            out.push_back(byte);
            return;
        }
        out.push_back(static_cast<std::uint8_t>(byte | 0x80));
    }
}

Bytes shortvec_encode(std::uint16_t value) {
    Bytes out;
    shortvec_append(out, value);
    return out;
}

Result<std::uint16_t> shortvec_decode(ByteView data, std::size_t& offset) {
    std::uint32_t value = 0;
    for (std::size_t nth = 0; nth < kShortVecMaxBytes; ++nth) {
        const std::size_t at = offset + nth;
        if (at >= data.size()) {
            return fail(ErrorCode::MalformedTransaction, "compact-u16 length is truncated");
        }
        const std::uint8_t byte = data[at];
        // A zero continuation byte adds nothing: the same value has a shorter encoding.
        if (byte == 0 && nth != 0) {
            return fail(ErrorCode::MalformedTransaction,
                        "compact-u16 length is not minimally encoded");
        }
        const bool done = (byte & 0x80) == 0;
        if (nth == kShortVecMaxBytes - 1 && !done) {
            return fail(ErrorCode::MalformedTransaction,
                        "compact-u16 length is longer than 3 bytes");
        }
        value |= static_cast<std::uint32_t>(byte & 0x7f) << (7 * nth);
        if (value > 0xffff) {
            return fail(ErrorCode::MalformedTransaction, "compact-u16 length exceeds 0xffff");
        }
        if (done) {
            offset = at + 1;
            return static_cast<std::uint16_t>(value);
        }
    }
    return fail(ErrorCode::MalformedTransaction, "compact-u16 length is longer than 3 bytes");
}

}  // namespace hilt::solana
