// server/store/product_store.cpp: the product rules every backend shares (slugs).
// Must never: touch storage.
#include "store/product_store.h"

#include "crypto/sodium.h"

namespace hilt::server {

namespace {

// Title-derived characters kept in a slug, before the random suffix.
constexpr std::size_t kSlugBaseMaxChars = 48;
constexpr std::size_t kSlugSuffixChars = 8;

std::string random_suffix() {
    constexpr std::string_view kAlphabet = "abcdefghijkmnpqrstuvwxyz23456789";  // no look-alikes
    std::string out;
    for (auto byte : random_bytes(kSlugSuffixChars)) out += kAlphabet[byte % kAlphabet.size()];
    return out;
}

}  // namespace

std::string slug_base(std::string_view title) {
    std::string out;
    bool dash = false;
    for (unsigned char c : title) {
        if (out.size() >= kSlugBaseMaxChars) break;
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            if (dash && !out.empty()) out += '-';
            out += static_cast<char>(c);
            dash = false;
        } else if (c >= 'A' && c <= 'Z') {
            if (dash && !out.empty()) out += '-';
            out += static_cast<char>(c - 'A' + 'a');
            dash = false;
        } else {
            dash = true;
        }
    }
    return out;
}

std::string new_slug(std::string_view title) {
    const auto base = slug_base(title);
    return base.empty() ? random_suffix() : base + "-" + random_suffix();
}

}  // namespace hilt::server
