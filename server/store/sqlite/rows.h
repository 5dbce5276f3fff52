// server/store/sqlite/rows.h: reading stored rows back, shared by the SQLite stores: a column that no
// longer parses is an internal error naming what it was (never the caller's fault), and a list cursor
// (?starting_after=) names a row of the caller's own or is refused.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "models/json_reader.h"
#include "store/sqlite/database.h"

namespace hilt::server::rows {

inline Error damaged(std::string_view what, const Error& error) {
    return fail(ErrorCode::Internal, "stored " + std::string(what) + " does not parse: " + describe(error));
}

template <typename E>
Result<E> enum_column(const std::string& text, std::string_view what) {
    auto value = models::parse_enum<E>(text);
    if (!value) return damaged(what, value.error());
    return *value;
}

template <typename T>
Result<T> json_column(const std::string& text, std::string_view what) {
    auto parsed = models::parse<T>(text);
    if (!parsed) return damaged(what, parsed.error());
    return std::move(*parsed);
}

// seq of the row named by a starting_after cursor within the caller's scope (`sql` binds the id, then
// the merchant); INT64_MAX without a cursor.
inline Result<std::int64_t> cursor_seq(Database& db, std::string_view sql, const std::optional<std::string>& id,
                                       const std::string& merchant_id, std::string_view what) {
    if (!id) return INT64_MAX;
    auto cursor = db.prepare(sql);
    if (!cursor) return cursor.error();
    cursor->bind(1, std::string_view(*id)).bind(2, std::string_view(merchant_id));
    auto row = cursor->step();
    if (!row) return row.error();
    if (*row != StepResult::Row) {
        return fail(ErrorCode::InvalidValue, "starting_after names no " + std::string(what) + " of yours",
                    "starting_after");
    }
    return cursor->column_int(0);
}

}  // namespace hilt::server::rows
