// shared/encoding/url.h: percent-encoding and query strings, as Solana Pay URLs and Phantom
// deeplinks use them.
//
// Owns: encodeURIComponent-style and application/x-www-form-urlencoded (URLSearchParams) encoding,
// strict percent-decoding, splitting and building query strings, and a few syntactic URL checks.
// Must never: accept a malformed %-escape or a decoded value that is not UTF-8 (browsers replace
// those silently; we reject them), fetch or resolve anything, or normalise a URL (callers keep
// the bytes they got).
//
//  - Encoders are total over bytes; callers that need valid UTF-8 check is_valid_utf8 first.
//  - Decoders fail with invalid_url (bad escape, control character, too many parameters) or
//    invalid_utf8; the error's field is the parameter's name when it is known.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace hilt {

// Most parameters a query may carry: Solana Pay and Phantom use fewer than 16 plus repeated
// references; a bound keeps a hostile URL from costing more than its length.
inline constexpr std::size_t kMaxQueryParams = 64;

// True when `text` is well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
[[nodiscard]] bool is_valid_utf8(std::string_view text);

// encodeURIComponent: keeps A-Z a-z 0-9 - _ . ! ~ * ' ( ) and writes every other byte as %XX
// (uppercase).
std::string percent_encode_component(std::string_view text);

// The application/x-www-form-urlencoded byte serializer (what URLSearchParams.toString() writes):
// keeps A-Z a-z 0-9 * - . _, writes a space as '+', every other byte as %XX (uppercase).
std::string form_urlencode(std::string_view text);

// Strict percent-decoding. '%' must be followed by two hex digits; with plus_as_space a '+' decodes
// to a space (form encoding), otherwise it stays a '+' (decodeURIComponent). Rejects raw control
// characters, spaces and DEL, and a result that is not UTF-8.
[[nodiscard]] Result<std::string> percent_decode(std::string_view text, bool plus_as_space);

struct QueryParam {
    std::string key;
    std::string value;

    friend bool operator==(const QueryParam&, const QueryParam&) = default;
};
using QueryParams = std::vector<QueryParam>;

// Splits "a=1&b=2" (no leading '?') like URLSearchParams: empty segments are skipped, a segment
// without '=' has an empty value, keys and values are form-decoded ('+' is a space) strictly.
// Order and repeats are kept. A decoding error names the parameter in its field when its key
// decoded.
[[nodiscard]] Result<QueryParams> parse_query(std::string_view query);

// Joins parameters as URLSearchParams.toString() would: key=value pairs, form-encoded, joined by
// '&'.
std::string build_query(const QueryParams& params);

// How often `key` occurs.
std::size_t count_param(const QueryParams& params, std::string_view key);
// The first value of `key`, if any.
std::optional<std::string> find_param(const QueryParams& params, std::string_view key);

// The query of a URL: the text after the first '?' and before the first '#' (empty when there is
// none).
std::string_view url_query(std::string_view url);

// The scheme of an absolute URL, lower-cased ("https", "solana", "myapp"), or "" when `url` does
// not start with RFC 3986 `ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"`.
std::string url_scheme(std::string_view url);

// Syntactic check for an absolute URL with the given scheme and a non-empty authority
// ("https://host[:port][/path][?query]"): no spaces, control characters, backslashes or fragment.
// It does not resolve or normalise anything.
[[nodiscard]] bool is_absolute_url_with_scheme(std::string_view url, std::string_view scheme);
[[nodiscard]] inline bool is_https_url(std::string_view url) {
    return is_absolute_url_with_scheme(url, "https");
}

}  // namespace hilt
