// shared/models/common.cpp: Timestamp text form and id/slug checks (see common.h).
#include "models/common.h"

#include <cstdio>

namespace hilt::models {
namespace {

// Howard Hinnant's civil-date algorithms (public domain), proleptic Gregorian calendar.
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2 ? 1 : 0;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct CivilDate {
    std::int64_t year;
    unsigned month;
    unsigned day;
};

constexpr CivilDate civil_from_days(std::int64_t z) {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return {y + (m <= 2 ? 1 : 0), m, d};
}

constexpr bool is_leap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

constexpr unsigned days_in_month(std::int64_t y, unsigned m) {
    constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

constexpr std::int64_t kSecondsPerDay = 86400;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly `count` digits at text[pos].
bool read_digits(std::string_view text, std::size_t pos, std::size_t count, unsigned& out) {
    if (pos + count > text.size()) return false;
    out = 0;
    for (std::size_t i = 0; i < count; ++i) {
        if (!is_digit(text[pos + i])) return false;
        out = out * 10 + static_cast<unsigned>(text[pos + i] - '0');
    }
    return true;
}

bool is_alnum(char c) {
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

}  // namespace

std::string format_timestamp(Timestamp time) {
    std::int64_t days = time.unix_seconds / kSecondsPerDay;
    std::int64_t rem = time.unix_seconds % kSecondsPerDay;
    if (rem < 0) {
        rem += kSecondsPerDay;
        days -= 1;
    }
    const CivilDate date = civil_from_days(days);
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%04lld-%02u-%02uT%02d:%02d:%02dZ",
                  static_cast<long long>(date.year), date.month, date.day,
                  static_cast<int>(rem / 3600), static_cast<int>(rem % 3600 / 60),
                  static_cast<int>(rem % 60));
    return buffer;
}

Result<Timestamp> parse_timestamp(std::string_view text) {
    const auto bad = [](std::string why) {
        return fail(ErrorCode::InvalidTimestamp, "must be an RFC 3339 UTC time such as "
                                                 "2026-11-29T12:00:00Z (" + why + ")");
    };
    constexpr std::size_t kMaxTimestampChars = 40;  // 20 + 9 fraction digits + offset, with margin
    if (text.size() > kMaxTimestampChars) return bad("too long");
    unsigned year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    if (!read_digits(text, 0, 4, year) || text.size() < 20 || text[4] != '-' ||
        !read_digits(text, 5, 2, month) || text[7] != '-' || !read_digits(text, 8, 2, day) ||
        text[10] != 'T' || !read_digits(text, 11, 2, hour) || text[13] != ':' ||
        !read_digits(text, 14, 2, minute) || text[16] != ':' || !read_digits(text, 17, 2, second)) {
        return bad("wrong layout");
    }
    if (year < kMinTimestampYear || year > kMaxTimestampYear) return bad("year out of range");
    if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month)) return bad("no such date");
    if (hour > 23 || minute > 59 || second > 59) return bad("no such time");
    std::size_t pos = 19;
    if (text[pos] == '.') {
        constexpr std::size_t kMaxFractionDigits = 9;  // nanoseconds
        std::size_t digits = 0;
        ++pos;
        while (pos < text.size() && is_digit(text[pos])) {
            ++pos;
            ++digits;
        }
        if (digits == 0 || digits > kMaxFractionDigits) return bad("bad fractional seconds");
    }
    const std::string_view zone = text.substr(pos);
    if (zone != "Z" && zone != "+00:00" && zone != "-00:00") return bad("offset must be Z or +00:00");
    const std::int64_t days = days_from_civil(year, month, day);
    return Timestamp{days * kSecondsPerDay + hour * 3600 + minute * 60 + second};
}

Status validate_id(std::string_view id, std::string_view prefix) {
    const auto bad = [&] {
        return fail(ErrorCode::InvalidValue,
                    "must be an id of the form " + std::string(prefix) + "_<letters and digits>");
    };
    if (id.size() <= prefix.size() + 1 || id.substr(0, prefix.size()) != prefix ||
        id[prefix.size()] != '_') {
        return bad();
    }
    const std::string_view body = id.substr(prefix.size() + 1);
    if (body.size() > kMaxIdBodyChars) return bad();
    for (char c : body) {
        if (!is_alnum(c)) return bad();
    }
    return {};
}

Status validate_slug(std::string_view slug) {
    const auto bad = [] {
        return fail(ErrorCode::InvalidValue,
                    "must be 1.." + std::to_string(kMaxSlugChars) +
                        " of a-z, 0-9 and '-', not starting or ending with '-'");
    };
    if (slug.empty() || slug.size() > kMaxSlugChars || slug.front() == '-' || slug.back() == '-') {
        return bad();
    }
    for (char c : slug) {
        if (!(is_digit(c) || (c >= 'a' && c <= 'z') || c == '-')) return bad();
    }
    return {};
}

}  // namespace hilt::models
