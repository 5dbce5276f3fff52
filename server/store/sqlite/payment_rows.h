// server/store/sqlite/payment_rows.h: the payments table's rows, shared by the SQLite payment store's files
// (sqlite_payment_store.cpp for sessions and settlement, sqlite_renewals.cpp for subscription renewals).
// Internal to store/sqlite.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "store/payment_store.h"
#include "store/sqlite/database.h"

namespace hilt::server::payment_rows {

// "SELECT <every payment column> FROM payments <where>", for payment_from_row / collect_payments.
std::string select_payments(std::string_view where);
[[nodiscard]] Result<PaymentRecord> payment_from_row(const Statement& s);
[[nodiscard]] Result<std::vector<PaymentRecord>> collect_payments(Statement& stmt);
// A new payments row (kind RENEWAL when the quote names a renewal).
[[nodiscard]] Status insert_payment(Database& db, const PaymentRecord& p, std::int64_t now);

}  // namespace hilt::server::payment_rows
