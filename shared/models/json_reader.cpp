// shared/models/json_reader.cpp: the raw-text gate, value readers and ObjectReader (see json_reader.h).
#include "models/json_reader.h"

#include <algorithm>

#include "encoding/base64.h"

namespace hilt::models {
namespace {

bool is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// Largest base58 text of a 32-byte key (44) and of a 64-byte signature (88): anything longer is rejected
// before the quadratic decoder runs.
constexpr std::size_t kMaxKeyBase58Chars = 44;
constexpr std::size_t kMaxSignatureBase58Chars = 88;

}  // namespace

Status check_utf8(std::string_view text) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t size = text.size();
    std::size_t i = 0;
    while (i < size) {
        const unsigned char c = bytes[i];
        std::size_t length = 0;
        bool ok = true;
        if (c < 0x80) {
            length = 1;
        } else if (c >= 0xC2 && c <= 0xDF) {
            length = 2;
            ok = i + 1 < size && is_continuation(bytes[i + 1]);
        } else if (c >= 0xE0 && c <= 0xEF) {
            length = 3;
            if (i + 2 >= size) {
                ok = false;
            } else {
                const unsigned char c1 = bytes[i + 1];
                const unsigned char lo = c == 0xE0 ? 0xA0 : 0x80;  // no overlong forms
                const unsigned char hi = c == 0xED ? 0x9F : 0xBF;  // no surrogates
                ok = c1 >= lo && c1 <= hi && is_continuation(bytes[i + 2]);
            }
        } else if (c >= 0xF0 && c <= 0xF4) {
            length = 4;
            if (i + 3 >= size) {
                ok = false;
            } else {
                const unsigned char c1 = bytes[i + 1];
                const unsigned char lo = c == 0xF0 ? 0x90 : 0x80;  // no overlong forms
                const unsigned char hi = c == 0xF4 ? 0x8F : 0xBF;  // nothing above U+10FFFF
                ok = c1 >= lo && c1 <= hi && is_continuation(bytes[i + 2]) &&
                     is_continuation(bytes[i + 3]);
            }
        } else {
            ok = false;
        }
        if (!ok) {
            return fail(ErrorCode::InvalidUtf8,
                        "text is not valid UTF-8 at byte offset " + std::to_string(i));
        }
        i += length;
    }
    return {};
}

std::size_t count_code_points(std::string_view utf8) {
    return static_cast<std::size_t>(std::count_if(utf8.begin(), utf8.end(), [](char c) {
        return !is_continuation(static_cast<unsigned char>(c));
    }));
}

Result<Json> parse_json_text(std::string_view text) {
    if (text.size() > kMaxJsonTextBytes) {
        return fail(ErrorCode::PayloadTooLarge,
                    "JSON text is larger than " + std::to_string(kMaxJsonTextBytes) + " bytes");
    }
    HILT_TRY(check_utf8(text));
    // Bound nesting before the recursive parser sees the text.
    std::size_t depth = 0;
    bool in_string = false;
    bool escaped = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '"') {
                in_string = false;
            }
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > kMaxJsonDepth) {
                return fail(ErrorCode::InvalidJson, "JSON nests deeper than " +
                                                        std::to_string(kMaxJsonDepth) +
                                                        " levels at byte offset " + std::to_string(i));
            }
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
    Json json = Json::parse(text.data(), text.data() + text.size(), nullptr, false);
    if (json.is_discarded()) return fail(ErrorCode::InvalidJson, "body is not valid JSON");
    return json;
}

std::string dump_json(const Json& json) {
    return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Result<bool> read_bool(const Json& json) {
    if (!json.is_boolean()) return fail(ErrorCode::WrongType, "must be true or false");
    return json.get<bool>();
}

Result<std::int64_t> read_integer(const Json& json, std::int64_t min, std::int64_t max) {
    std::int64_t value = 0;
    const auto out_of_range = [&] {
        return fail(ErrorCode::OutOfRange, "must be an integer from " + std::to_string(min) +
                                               " to " + std::to_string(max));
    };
    if (json.is_number_unsigned()) {
        const auto raw = json.get<std::uint64_t>();
        if (raw > static_cast<std::uint64_t>(kMaxJsonInteger)) return out_of_range();
        value = static_cast<std::int64_t>(raw);
    } else if (json.is_number_integer()) {
        value = json.get<std::int64_t>();
        if (value > kMaxJsonInteger || value < -kMaxJsonInteger) return out_of_range();
    } else if (json.is_number_float()) {
        // Only to classify the rejection: a float is never accepted as a value.
        constexpr double kLimit = 9007199254740991.0;  // kMaxJsonInteger, exact as a double
        const double raw = json.get<double>();
        if (!(raw >= -kLimit && raw <= kLimit)) return out_of_range();
        return fail(ErrorCode::WrongType, "must be an integer (no fraction or exponent)");
    } else {
        return fail(ErrorCode::WrongType, "must be an integer");
    }
    if (value < min || value > max) return out_of_range();
    return value;
}

Result<std::string> read_text(const Json& json, TextRule rule) {
    if (!json.is_string()) return fail(ErrorCode::WrongType, "must be a string");
    const auto& value = json.get_ref<const std::string&>();
    constexpr std::size_t kMaxUtf8BytesPerCodePoint = 4;
    const auto too_long = [&] {
        return fail(ErrorCode::TooLong,
                    "must be at most " + std::to_string(rule.max_chars) + " characters");
    };
    if (value.size() > rule.max_chars * kMaxUtf8BytesPerCodePoint) return too_long();
    HILT_TRY(check_utf8(value));
    for (char ch : value) {
        const auto c = static_cast<unsigned char>(ch);
        const bool allowed_space = rule.multi_line && (c == '\n' || c == '\r' || c == '\t');
        if ((c < 0x20 && !allowed_space) || c == 0x7F) {
            return fail(ErrorCode::InvalidValue, "must not contain control characters");
        }
    }
    const std::size_t chars = count_code_points(value);
    if (chars < rule.min_chars) {
        return fail(ErrorCode::TooShort, rule.min_chars == 1
                                             ? std::string("must not be empty")
                                             : "must be at least " + std::to_string(rule.min_chars) +
                                                   " characters");
    }
    if (chars > rule.max_chars) return too_long();
    return value;
}

Result<std::string> read_ascii(const Json& json, std::size_t max_bytes) {
    if (!json.is_string()) return fail(ErrorCode::WrongType, "must be a string");
    const auto& value = json.get_ref<const std::string&>();
    if (value.empty()) return fail(ErrorCode::TooShort, "must not be empty");
    if (value.size() > max_bytes) {
        return fail(ErrorCode::TooLong, "must be at most " + std::to_string(max_bytes) + " bytes");
    }
    for (char ch : value) {
        const auto c = static_cast<unsigned char>(ch);
        if (c <= 0x20 || c >= 0x7F) {
            return fail(ErrorCode::InvalidValue, "must be printable ASCII without spaces");
        }
    }
    return value;
}

Result<solana::PublicKey> read_public_key(const Json& json) {
    if (!json.is_string()) return fail(ErrorCode::WrongType, "must be a base58 string");
    const auto& value = json.get_ref<const std::string&>();
    if (value.size() > kMaxKeyBase58Chars) {
        return fail(ErrorCode::InvalidLength, "must be a base58 32-byte key");
    }
    return solana::PublicKey::parse(value);
}

Result<std::string> read_signature(const Json& json) {
    if (!json.is_string()) return fail(ErrorCode::WrongType, "must be a base58 string");
    const auto& value = json.get_ref<const std::string&>();
    if (value.size() > kMaxSignatureBase58Chars) {
        return fail(ErrorCode::InvalidLength, "must be a base58 64-byte signature");
    }
    auto bytes = base58_decode_exact(value, 64);
    if (!bytes) return bytes.error();
    return value;
}

Result<std::string> read_base64(const Json& json, std::size_t max_bytes) {
    if (!json.is_string()) return fail(ErrorCode::WrongType, "must be a base64 string");
    const auto& value = json.get_ref<const std::string&>();
    if (value.empty()) return fail(ErrorCode::TooShort, "must not be empty");
    if (value.size() > max_bytes) {
        return fail(ErrorCode::TooLong, "must be at most " + std::to_string(max_bytes) + " bytes");
    }
    auto bytes = base64_decode(value);
    if (!bytes) return bytes.error();
    return value;
}

Result<Timestamp> read_timestamp(const Json& json) {
    if (!json.is_string()) return fail(ErrorCode::WrongType, "must be an RFC 3339 string");
    return parse_timestamp(json.get_ref<const std::string&>());
}

Status validate_service_url(std::string_view url) {
    for (std::string_view loopback : {"http://localhost", "http://127.0.0.1", "http://[::1]"}) {
        if (url.substr(0, loopback.size()) != loopback) continue;
        const std::string_view rest = url.substr(loopback.size());
        if (rest.empty() || rest.front() == ':' || rest.front() == '/') {
            // Same character and host rules as https, checked on the https spelling of the URL.
            return validate_https_url("https://" + std::string(url.substr(7)));
        }
    }
    return validate_https_url(url);
}

Result<std::string> read_service_url(const Json& json) {
    if (!json.is_string()) return fail(ErrorCode::WrongType, "must be a string");
    const auto& value = json.get_ref<const std::string&>();
    HILT_TRY(validate_service_url(value));
    return value;
}

Status validate_https_url(std::string_view url) {
    constexpr std::string_view kScheme = "https://";
    if (url.size() > kMaxUrlBytes) {
        return fail(ErrorCode::TooLong, "must be at most " + std::to_string(kMaxUrlBytes) + " bytes");
    }
    if (url.substr(0, kScheme.size()) != kScheme) {
        return fail(ErrorCode::InvalidUrl, "must be an https:// URL");
    }
    for (char ch : url) {
        const auto c = static_cast<unsigned char>(ch);
        if (c <= 0x20 || c >= 0x7F) {
            return fail(ErrorCode::InvalidUrl,
                        "must not contain spaces, control or non-ASCII characters (use punycode "
                        "and percent-encoding)");
        }
    }
    const std::string_view rest = url.substr(kScheme.size());
    const std::string_view host = rest.substr(0, rest.find_first_of("/?#"));
    if (host.empty()) return fail(ErrorCode::InvalidUrl, "must name a host");
    for (char c : host) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                        c == '.' || c == '-' || c == ':' || c == '[' || c == ']';
        // WARNING: '@' (user info) is refused: "https://shop.example@evil.example" misleads people.
        if (!ok) return fail(ErrorCode::InvalidUrl, "must have a plain host name");
    }
    if (host.front() == '.' || host.front() == ':' || host.front() == '-') {
        return fail(ErrorCode::InvalidUrl, "must have a plain host name");
    }
    return {};
}

Result<std::string> read_https_url(const Json& json) {
    if (!json.is_string()) return fail(ErrorCode::WrongType, "must be a string");
    const auto& value = json.get_ref<const std::string&>();
    HILT_TRY(validate_https_url(value));
    return value;
}

Result<std::string> read_id(const Json& json, std::string_view prefix) {
    if (!json.is_string()) return fail(ErrorCode::WrongType, "must be a string");
    const auto& value = json.get_ref<const std::string&>();
    HILT_TRY(validate_id(value, prefix));
    return value;
}

Result<std::string> read_slug(const Json& json) {
    if (!json.is_string()) return fail(ErrorCode::WrongType, "must be a string");
    const auto& value = json.get_ref<const std::string&>();
    HILT_TRY(validate_slug(value));
    return value;
}

ObjectReader::ObjectReader(const Json& json) : json_(json) {
    if (!json.is_object()) error_ = fail(ErrorCode::WrongType, "must be a JSON object");
}

const Json* ObjectReader::take(std::string_view key) {
    if (!ok()) return nullptr;
    taken_.emplace_back(key);
    const auto it = json_.find(taken_.back());
    return it == json_.end() ? nullptr : &*it;
}

void ObjectReader::record(Error error) {
    if (!error_) error_ = std::move(error);
}

Status ObjectReader::finish() const {
    if (error_) return *error_;
    for (const auto& item : json_.items()) {
        if (std::find(taken_.begin(), taken_.end(), item.key()) == taken_.end()) {
            return fail(ErrorCode::UnknownField, "is not a field of this object", item.key());
        }
    }
    return {};
}

}  // namespace hilt::models
