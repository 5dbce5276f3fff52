// shared/models/json_reader.h: the one place where untrusted JSON text becomes checked values.
//
// Owns: the raw-text gate (size cap, UTF-8 validation with byte offset, nesting cap, non-throwing parse),
// typed value readers (integers in the signed 53-bit range, bounded Unicode text, enums, base58 keys,
// RFC 3339 timestamps, https URLs, ids) and ObjectReader, which tracks field paths and rejects unknown keys.
// Must never: throw or abort on any input, call .at()/get<>() on a value whose type was not checked first,
// or accept a JSON number that is not an integer literal within ±kMaxJsonInteger.
//
// Usage, in every model's from_json:
//     ObjectReader r(json);
//     r.required("title", out.title, text({.min_chars = 1, .max_chars = kMaxTitleChars}));
//     r.optional("route", out.route, enumeration<CheckoutRoute>());
//     return r.finish();  // the first error in read order, else unknown_field for a key never read
// Field paths compose: a nested reader's "grace_period_days" becomes "membership_config.grace_period_days".
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "models/common.h"
#include "solana/pubkey.h"

namespace hilt::models {

// ---- limits -------------------------------------------------------------------------------------------
inline constexpr std::size_t kMaxJsonTextBytes = 256 * 1024;  // above every body hiltd accepts; 413 beyond
inline constexpr std::size_t kMaxJsonDepth = 16;  // our deepest shape nests 4; bounds parser recursion (WASM stack)
inline constexpr std::size_t kMaxUrlBytes = 2048;  // what every browser and proxy accepts
inline constexpr std::int64_t kMaxJsonInteger = (std::int64_t{1} << 53) - 1;  // exact in JS numbers (api.md)

// ---- text ---------------------------------------------------------------------------------------------
// invalid_utf8 (message names the byte offset) unless `text` is well-formed UTF-8: no overlong forms, no
// surrogates, nothing above U+10FFFF.
[[nodiscard]] Status check_utf8(std::string_view text);
// Unicode code points in already-valid UTF-8.
std::size_t count_code_points(std::string_view utf8);
// The raw-text gate: payload_too_large, invalid_utf8, invalid_json (also for nesting > kMaxJsonDepth).
[[nodiscard]] Result<Json> parse_json_text(std::string_view text);
// Compact JSON; invalid UTF-8 in strings is replaced (U+FFFD), never thrown.
std::string dump_json(const Json& json);

template <typename T>
[[nodiscard]] Result<T> parse(std::string_view text) {
    auto json = parse_json_text(text);
    if (!json) return json.error();
    T out{};
    HILT_TRY(from_json(*json, out));
    return out;
}

template <typename T>
std::string dump(const T& value) {
    return dump_json(to_json(value));
}

// ---- value readers ----------------------------------------------------------------------------------
// Each returns Result<T>; errors carry a field path relative to the value (usually empty).
[[nodiscard]] Result<bool> read_bool(const Json& json);
[[nodiscard]] Result<std::int64_t> read_integer(const Json& json, std::int64_t min, std::int64_t max);

struct TextRule {
    std::size_t min_chars = 0;     // Unicode code points
    std::size_t max_chars = 0;     // Unicode code points
    bool multi_line = false;       // allows \n, \r and \t; other control characters are always rejected
};
[[nodiscard]] Result<std::string> read_text(const Json& json, TextRule rule);
// A string kept byte-for-byte (tokens, base64): 1..max_bytes of printable ASCII.
[[nodiscard]] Result<std::string> read_ascii(const Json& json, std::size_t max_bytes);
[[nodiscard]] Result<solana::PublicKey> read_public_key(const Json& json);
[[nodiscard]] Result<std::string> read_signature(const Json& json);  // base58, exactly 64 bytes
[[nodiscard]] Result<std::string> read_base64(const Json& json, std::size_t max_bytes);
[[nodiscard]] Result<Timestamp> read_timestamp(const Json& json);
[[nodiscard]] Result<std::string> read_https_url(const Json& json);
[[nodiscard]] Result<std::string> read_id(const Json& json, std::string_view prefix);
[[nodiscard]] Result<std::string> read_slug(const Json& json);

template <ModelEnum E>
[[nodiscard]] Result<E> read_enum(const Json& json) {
    if (!json.is_string()) return fail(ErrorCode::WrongType, "must be a string");
    return parse_enum<E>(json.get_ref<const std::string&>());
}

// https:// URL rules shared with non-JSON callers: scheme https, a host, no spaces or control characters,
// at most kMaxUrlBytes.
[[nodiscard]] Status validate_https_url(std::string_view url);
// A URL of Hilt itself (checkout_url): https, or plain http on a loopback host (localhost, 127.0.0.1,
// [::1]) for development servers, where browsers treat http as a secure context too.
[[nodiscard]] Status validate_service_url(std::string_view url);
[[nodiscard]] Result<std::string> read_service_url(const Json& json);

// ---- reader factories (for ObjectReader calls) ------------------------------------------------------
inline auto boolean() {
    return [](const Json& j) { return read_bool(j); };
}
inline auto integer(std::int64_t min, std::int64_t max) {
    return [=](const Json& j) { return read_integer(j, min, max); };
}
inline auto text(TextRule rule) {
    return [=](const Json& j) { return read_text(j, rule); };
}
inline auto ascii(std::size_t max_bytes) {
    return [=](const Json& j) { return read_ascii(j, max_bytes); };
}
inline auto public_key() {
    return [](const Json& j) { return read_public_key(j); };
}
inline auto signature() {
    return [](const Json& j) { return read_signature(j); };
}
inline auto base64(std::size_t max_bytes) {
    return [=](const Json& j) { return read_base64(j, max_bytes); };
}
inline auto timestamp() {
    return [](const Json& j) { return read_timestamp(j); };
}
inline auto https_url() {
    return [](const Json& j) { return read_https_url(j); };
}
inline auto service_url() {
    return [](const Json& j) { return read_service_url(j); };
}
inline auto id(std::string_view prefix) {
    return [=](const Json& j) { return read_id(j, prefix); };
}
inline auto slug() {
    return [](const Json& j) { return read_slug(j); };
}
template <ModelEnum E>
auto enumeration() {
    return [](const Json& j) { return read_enum<E>(j); };
}
// Any model type with from_json(const Json&, T&).
template <typename T>
auto model() {
    return [](const Json& j) -> Result<T> {
        T out{};
        HILT_TRY(from_json(j, out));
        return out;
    };
}
// A JSON array of 0..max_items elements, each read with `read_item`; errors carry "[i]" paths.
template <typename Read>
auto array_of(std::size_t max_items, Read read_item) {
    using Item = std::remove_cvref_t<decltype(read_item(std::declval<const Json&>()).value())>;
    return [=](const Json& j) -> Result<std::vector<Item>> {
        if (!j.is_array()) return fail(ErrorCode::WrongType, "must be an array");
        if (j.size() > max_items) {
            return fail(ErrorCode::TooMany, "at most " + std::to_string(max_items) + " items");
        }
        std::vector<Item> items;
        items.reserve(j.size());
        for (std::size_t i = 0; i < j.size(); ++i) {
            auto item = read_item(j[i]);
            if (!item) return at("[" + std::to_string(i) + "]", item.error());
            items.push_back(std::move(item).value());
        }
        return items;
    };
}

// A PATCH field: absent (leave unchanged), null (clear) or a new value.
template <typename T>
struct Update {
    enum class Kind : std::uint8_t { Absent, Null, Value };
    Kind kind = Kind::Absent;
    std::optional<T> value;

    bool is_absent() const { return kind == Kind::Absent; }
    bool is_null() const { return kind == Kind::Null; }
    bool has_value() const { return kind == Kind::Value; }
    static Update set(T v) { return Update{Kind::Value, std::move(v)}; }
    static Update clear() { return Update{Kind::Null, std::nullopt}; }

    friend bool operator==(const Update&, const Update&) = default;
};

// ---- ObjectReader ---------------------------------------------------------------------------------
// Reads the fields of one JSON object. The first error wins and later reads become no-ops; finish() then
// reports it, or unknown_field for the first key (in key order) that no read asked for.
class ObjectReader {
public:
    explicit ObjectReader(const Json& json);

    bool ok() const { return !error_.has_value(); }

    // missing_field when absent or null.
    template <typename T, typename Read>
    void required(std::string_view key, T& out, Read&& read) {
        const Json* value = take(key);
        if (!ok()) return;
        if (value == nullptr || value->is_null()) {
            record(fail(ErrorCode::MissingField, "is required", std::string(key)));
            return;
        }
        assign(key, *value, out, read);
    }

    // Absent or null leave `out` empty.
    template <typename T, typename Read>
    void optional(std::string_view key, std::optional<T>& out, Read&& read) {
        const Json* value = take(key);
        if (!ok() || value == nullptr || value->is_null()) return;
        T item{};
        if (assign(key, *value, item, read)) out = std::move(item);
    }

    // Absent or null keep `out` as it is (its default).
    template <typename T, typename Read>
    void with_default(std::string_view key, T& out, Read&& read) {
        const Json* value = take(key);
        if (!ok() || value == nullptr || value->is_null()) return;
        assign(key, *value, out, read);
    }

    // PATCH semantics; `nullable` false makes an explicit null a wrong_type error.
    template <typename T, typename Read>
    void update(std::string_view key, Update<T>& out, Read&& read, bool nullable) {
        const Json* value = take(key);
        if (!ok() || value == nullptr) return;
        if (value->is_null()) {
            if (nullable) {
                out = Update<T>::clear();
            } else {
                record(fail(ErrorCode::WrongType, "cannot be null", std::string(key)));
            }
            return;
        }
        T item{};
        if (assign(key, *value, item, read)) out = Update<T>::set(std::move(item));
    }

    // Marks `key` as read and returns its value (nullptr when absent), for reads that need the raw JSON.
    const Json* take(std::string_view key);
    // Records an error (first one wins). Its field is taken as relative to this object.
    void record(Error error);
    [[nodiscard]] Status finish() const;

private:
    template <typename T, typename Read>
    bool assign(std::string_view key, const Json& value, T& out, Read& read) {
        auto result = read(value);
        if (!result) {
            record(at(key, result.error()));
            return false;
        }
        out = std::move(result).value();
        return true;
    }

    const Json& json_;
    std::vector<std::string> taken_;
    std::optional<Error> error_;
};

// ---- writers ---------------------------------------------------------------------------------------
// The wire form of one field value; models use these so that keys, times and enums print one way only.
// A template so that only a real bool matches: a plain overload would make every other integer type's call
// ambiguous, and without one a bool silently became to_wire(std::int64_t), written as 0 or 1.
template <typename B>
    requires std::same_as<B, bool>
Json to_wire(B value) {
    return value;
}
inline Json to_wire(const std::string& value) { return value; }
inline Json to_wire(std::int64_t value) { return value; }
inline Json to_wire(const solana::PublicKey& key) { return key.to_base58(); }
inline Json to_wire(Timestamp time) { return format_timestamp(time); }
template <ModelEnum E>
Json to_wire(E value) {
    return std::string(to_string(value));
}
template <typename T>
    requires requires(const T& v) { to_json(v); }
Json to_wire(const T& value) {
    return to_json(value);
}
template <typename T>
Json to_wire(const std::vector<T>& items) {
    Json array = Json::array();
    for (const auto& item : items) array.push_back(to_wire(item));
    return array;
}

// Adds `key` only when the value is present (optional fields are omitted, never written as null).
template <typename T>
void put_optional(Json& object, const char* key, const std::optional<T>& value) {
    if (value) object[key] = to_wire(*value);
}

}  // namespace hilt::models
