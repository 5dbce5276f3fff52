// shared/encoding/base64.cpp: strict base64, base64url and hex.
#include "encoding/base64.h"

#include <array>

namespace hilt {

namespace {
constexpr std::string_view kStd = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kUrl = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string encode(ByteView bytes, std::string_view alphabet, bool pad) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        const std::uint32_t v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        out += alphabet[(v >> 6) & 63];
        out += alphabet[v & 63];
    }
    const std::size_t rest = bytes.size() - i;
    if (rest == 1) {
        const std::uint32_t v = bytes[i] << 16;
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        if (pad) out += "==";
    } else if (rest == 2) {
        const std::uint32_t v = (bytes[i] << 16) | (bytes[i + 1] << 8);
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        out += alphabet[(v >> 6) & 63];
        if (pad) out += '=';
    }
    return out;
}

Result<Bytes> decode(std::string_view text, std::string_view alphabet, bool padded) {
    std::array<std::int8_t, 256> index{};
    index.fill(-1);
    for (std::size_t i = 0; i < alphabet.size(); ++i) {
        index[static_cast<unsigned char>(alphabet[i])] = static_cast<std::int8_t>(i);
    }
    std::size_t body = text.size();
    if (padded) {
        if (text.size() % 4 != 0) return fail(ErrorCode::InvalidBase64, "length is not a multiple of 4");
        if (body > 0 && text[body - 1] == '=') --body;
        if (body > 0 && text[body - 1] == '=') --body;
    } else if (text.size() % 4 == 1) {
        return fail(ErrorCode::InvalidBase64, "impossible length");
    }
    Bytes out;
    out.reserve(body * 3 / 4);
    std::uint32_t acc = 0;
    int bits = 0;
    for (std::size_t i = 0; i < body; ++i) {
        const int v = index[static_cast<unsigned char>(text[i])];
        if (v < 0) {
            return fail(ErrorCode::InvalidBase64,
                        "character at offset " + std::to_string(i) + " is not in the alphabet");
        }
        acc = (acc << 6) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<std::uint8_t>((acc >> bits) & 0xff));
        }
    }
    if (bits >= 6 || (acc & ((1u << bits) - 1)) != 0) {
        return fail(ErrorCode::InvalidBase64, "non-canonical trailing bits");
    }
    return out;
}
}  // namespace

std::string base64_encode(ByteView bytes) { return encode(bytes, kStd, true); }
Result<Bytes> base64_decode(std::string_view text) { return decode(text, kStd, true); }
std::string base64url_encode(ByteView bytes) { return encode(bytes, kUrl, false); }
Result<Bytes> base64url_decode(std::string_view text) { return decode(text, kUrl, false); }

std::string hex_encode(ByteView bytes) {
    constexpr std::string_view kHex = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (auto b : bytes) {
        out += kHex[b >> 4];
        out += kHex[b & 15];
    }
    return out;
}

Result<Bytes> hex_decode(std::string_view text) {
    if (text.size() % 2 != 0) return fail(ErrorCode::InvalidLength, "hex text has an odd length");
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    Bytes out(text.size() / 2);
    for (std::size_t i = 0; i < out.size(); ++i) {
        const int hi = nibble(text[2 * i]);
        const int lo = nibble(text[2 * i + 1]);
        if (hi < 0 || lo < 0) return fail(ErrorCode::InvalidValue, "not a hex digit");
        out[i] = static_cast<std::uint8_t>(hi * 16 + lo);
    }
    return out;
}

}  // namespace hilt
