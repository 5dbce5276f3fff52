// shared/encoding/url.cpp: percent-encoding, strict decoding and query strings.
#include "encoding/url.h"

#include <cstdint>

namespace hilt {

namespace {

constexpr char kHexUpper[] = "0123456789ABCDEF";

bool is_alnum(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

void append_escape(std::string& out, unsigned char c) {
    out.push_back('%');
    out.push_back(kHexUpper[c >> 4]);
    out.push_back(kHexUpper[c & 0x0f]);
}

// Bytes no URL may carry raw: C0 controls, space, DEL.
bool is_forbidden_raw(unsigned char c) { return c <= 0x20 || c == 0x7f; }

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

bool is_valid_utf8(std::string_view text) {
    std::size_t i = 0;
    const std::size_t n = text.size();
    while (i < n) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x80) {
            ++i;
            continue;
        }
        std::size_t length = 0;
        std::uint32_t min = 0;
        std::uint32_t code = 0;
        if ((c & 0xe0) == 0xc0) {
            length = 2;
            min = 0x80;
            code = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            length = 3;
            min = 0x800;
            code = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            length = 4;
            min = 0x10000;
            code = c & 0x07;
        } else {
            return false;
        }
        if (i + length > n) return false;
        for (std::size_t k = 1; k < length; ++k) {
            const auto cc = static_cast<unsigned char>(text[i + k]);
            if ((cc & 0xc0) != 0x80) return false;
            code = (code << 6) | (cc & 0x3f);
        }
        if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return false;
        i += length;
    }
    return true;
}

std::string percent_encode_component(std::string_view text) {
    std::string out;
    out.reserve(text.size() * 3);
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (is_alnum(c) || c == '-' || c == '_' || c == '.' || c == '!' || c == '~' || c == '*' ||
            c == '\'' || c == '(' || c == ')') {
            out.push_back(ch);
        } else {
            append_escape(out, c);
        }
    }
    return out;
}

std::string form_urlencode(std::string_view text) {
    std::string out;
    out.reserve(text.size() * 3);
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (is_alnum(c) || c == '*' || c == '-' || c == '.' || c == '_') {
            out.push_back(ch);
        } else if (c == ' ') {
            out.push_back('+');
        } else {
            append_escape(out, c);
        }
    }
    return out;
}

Result<std::string> percent_decode(std::string_view text, bool plus_as_space) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char ch = text[i];
        const auto c = static_cast<unsigned char>(ch);
        if (is_forbidden_raw(c)) {
            return fail(ErrorCode::InvalidUrl,
                        "a URL may not contain spaces or control characters");
        }
        if (ch == '%') {
            const int hi = i + 1 < text.size() ? hex_value(text[i + 1]) : -1;
            const int lo = i + 2 < text.size() ? hex_value(text[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                return fail(ErrorCode::InvalidUrl,
                            "'%' must be followed by two hexadecimal digits");
            }
            out.push_back(static_cast<char>((hi << 4) | lo));
            i += 2;
        } else if (ch == '+' && plus_as_space) {
            out.push_back(' ');
        } else {
            out.push_back(ch);
        }
    }
    if (!is_valid_utf8(out)) {
        return fail(ErrorCode::InvalidUtf8, "the decoded text is not valid UTF-8");
    }
    return out;
}

Result<QueryParams> parse_query(std::string_view query) {
    QueryParams params;
    std::size_t start = 0;
    while (start <= query.size()) {
        std::size_t end = query.find('&', start);
        if (end == std::string_view::npos) end = query.size();
        const std::string_view segment = query.substr(start, end - start);
        start = end + 1;
        if (segment.empty()) continue;
        if (params.size() == kMaxQueryParams) {
            return fail(ErrorCode::InvalidUrl, "the query has too many parameters");
        }
        const std::size_t eq = segment.find('=');
        const std::string_view raw_key = segment.substr(0, eq);
        const std::string_view raw_value =
            eq == std::string_view::npos ? std::string_view{} : segment.substr(eq + 1);
        auto key = percent_decode(raw_key, true);
        if (!key) return key.error();
        auto value = percent_decode(raw_value, true);
        if (!value) {
            Error error = value.error();
            error.field = *key;
            return error;
        }
        params.push_back({std::move(*key), std::move(*value)});
    }
    return params;
}

std::string build_query(const QueryParams& params) {
    std::string out;
    for (const auto& param : params) {
        if (!out.empty()) out.push_back('&');
        out += form_urlencode(param.key);
        out.push_back('=');
        out += form_urlencode(param.value);
    }
    return out;
}

std::size_t count_param(const QueryParams& params, std::string_view key) {
    std::size_t count = 0;
    for (const auto& param : params) count += param.key == key ? 1 : 0;
    return count;
}

std::optional<std::string> find_param(const QueryParams& params, std::string_view key) {
    for (const auto& param : params) {
        if (param.key == key) return param.value;
    }
    return std::nullopt;
}

std::string_view url_query(std::string_view url) {
    const std::size_t hash = url.find('#');
    if (hash != std::string_view::npos) url = url.substr(0, hash);
    const std::size_t question = url.find('?');
    if (question == std::string_view::npos) return {};
    return url.substr(question + 1);
}

std::string url_scheme(std::string_view url) {
    const std::size_t colon = url.find(':');
    if (colon == std::string_view::npos || colon == 0) return {};
    std::string scheme;
    for (std::size_t i = 0; i < colon; ++i) {
        const auto c = static_cast<unsigned char>(url[i]);
        const bool letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
        if (i == 0 ? !letter : !(is_alnum(c) || c == '+' || c == '-' || c == '.')) return {};
        scheme.push_back(ascii_lower(url[i]));
    }
    return scheme;
}

bool is_absolute_url_with_scheme(std::string_view url, std::string_view scheme) {
    if (url_scheme(url) != scheme) return false;
    for (const char ch : url) {
        const auto c = static_cast<unsigned char>(ch);
        if (is_forbidden_raw(c) || ch == '\\' || ch == '#') return false;
    }
    const std::string_view rest = url.substr(scheme.size() + 1);
    if (rest.substr(0, 2) != "//") return false;
    const std::string_view after = rest.substr(2);
    const std::size_t authority_end = after.find_first_of("/?");
    const std::string_view authority = after.substr(0, authority_end);
    // No user-info: "https://shop.example@evil.example" is a classic way to disguise a host.
    if (authority.empty() || authority.find('@') != std::string_view::npos) return false;
    const std::size_t port = authority.rfind(':');
    const std::string_view host = port == std::string_view::npos || authority.back() == ']'
                                      ? authority
                                      : authority.substr(0, port);
    if (host.empty()) return false;
    if (port != std::string_view::npos && authority.back() != ']') {
        const std::string_view digits = authority.substr(port + 1);
        if (digits.empty() || digits.size() > 5) return false;
        for (const char d : digits) {
            if (d < '0' || d > '9') return false;
        }
    }
    return true;
}

}  // namespace hilt
