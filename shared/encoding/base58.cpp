// shared/encoding/base58.cpp: base58 (Bitcoin alphabet) encode and decode.
#include "encoding/base58.h"

#include <array>

namespace hilt {

namespace {
constexpr std::string_view kAlphabet = kBase58Alphabet;

constexpr std::array<std::int8_t, 256> make_index() {
    std::array<std::int8_t, 256> index{};
    for (auto& v : index) v = -1;
    for (std::size_t i = 0; i < kAlphabet.size(); ++i) {
        index[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::int8_t>(i);
    }
    return index;
}
constexpr auto kIndex = make_index();
}  // namespace

std::string base58_encode(ByteView bytes) {
    std::size_t zeros = 0;
    while (zeros < bytes.size() && bytes[zeros] == 0) ++zeros;

    // log(256)/log(58) ≈ 1.366: enough base-58 digits for the remaining bytes.
    std::vector<std::uint8_t> digits((bytes.size() - zeros) * 138 / 100 + 1, 0);
    std::size_t length = 0;
    for (std::size_t i = zeros; i < bytes.size(); ++i) {
        unsigned carry = bytes[i];
        std::size_t j = 0;
        for (auto it = digits.rbegin(); (carry != 0 || j < length) && it != digits.rend(); ++it, ++j) {
            carry += 256u * *it;
            *it = static_cast<std::uint8_t>(carry % 58);
            carry /= 58;
        }
        length = j;
    }
    std::string out(zeros, '1');
    auto it = digits.begin() + static_cast<std::ptrdiff_t>(digits.size() - length);
    for (; it != digits.end(); ++it) out.push_back(kAlphabet[*it]);
    return out;
}

Result<Bytes> base58_decode(std::string_view text) {
    // Each base58 character carries under 6 bits; bound the work before doing it.
    if (text.size() > kBase58MaxDecodedBytes * 138 / 100 + 1) {
        return fail(ErrorCode::TooLong, "base58 text is too long");
    }
    std::size_t zeros = 0;
    while (zeros < text.size() && text[zeros] == '1') ++zeros;

    // log(58)/log(256) ≈ 0.733
    std::vector<std::uint8_t> b256((text.size() - zeros) * 733 / 1000 + 1, 0);
    std::size_t length = 0;
    for (std::size_t i = zeros; i < text.size(); ++i) {
        const int digit = kIndex[static_cast<unsigned char>(text[i])];
        if (digit < 0) {
            return fail(ErrorCode::InvalidBase58,
                        "character at offset " + std::to_string(i) + " is not in the base58 alphabet");
        }
        unsigned carry = static_cast<unsigned>(digit);
        std::size_t j = 0;
        for (auto it = b256.rbegin(); (carry != 0 || j < length) && it != b256.rend(); ++it, ++j) {
            carry += 58u * *it;
            *it = static_cast<std::uint8_t>(carry % 256);
            carry /= 256;
        }
        length = j;
    }
    Bytes out(zeros, 0);
    out.insert(out.end(), b256.end() - static_cast<std::ptrdiff_t>(length), b256.end());
    return out;
}

Result<Bytes> base58_decode_exact(std::string_view text, std::size_t size) {
    auto decoded = base58_decode(text);
    if (!decoded) return decoded.error();
    if (decoded->size() != size) {
        return fail(ErrorCode::InvalidLength, "expected " + std::to_string(size) + " bytes, got " +
                                                  std::to_string(decoded->size()));
    }
    return decoded;
}

}  // namespace hilt
