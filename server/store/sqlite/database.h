// server/store/sqlite/database.h: the only SQLite wrapper. SQL lives in server/store alone, and
// only the SQLite backend (server/store/sqlite/) sees this header: everything else reaches the data
// through the store interfaces (server/store/*_store.h).
//  - Database opens one file in WAL mode with foreign keys on and a busy timeout; money-moving commits use
//    synchronous=FULL (set at open: every commit is durable once acknowledged).
//  - Statement is a prepared statement with typed binds and column reads; errors are values. Database
//    keeps the statements it prepared in a cache keyed by their SQL text: a Statement going out of scope
//    is reset and returned there, and the next prepare() of the same text skips SQLite's compiler.
//  - Transaction is RAII: rolls back unless commit() succeeded. Each state transition is one transaction.
//  - Migrations are numbered, applied in order inside one transaction each, recorded in schema_migrations.
// Must never: build SQL by concatenating untrusted input, or swallow an SQLite error.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace hilt::server {

// How long a writer waits for another connection's lock before SQLITE_BUSY becomes an error.
inline constexpr int kSqliteBusyTimeoutMs = 5000;

class Statement;
struct StatementCache;

// Distinct SQL texts kept prepared per connection; hiltd's stores use a few dozen.
inline constexpr std::size_t kStatementCacheMax = 256;

class Database {
public:
    // Opens (creating if needed) the file at `path`; ":memory:" for a private in-memory database.
    [[nodiscard]] static Result<Database> open(const std::string& path);

    Database(Database&& other) noexcept;
    Database& operator=(Database&& other) noexcept;
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;
    ~Database();

    // Runs one or more statements with no parameters and no results (schema, pragmas).
    [[nodiscard]] Status exec(std::string_view sql);
    // A statement for `sql`, from the cache when one is free (two live Statements never share one).
    [[nodiscard]] Result<Statement> prepare(std::string_view sql);
    std::int64_t last_insert_rowid() const;
    int changes() const;

    sqlite3* handle() const { return db_; }

private:
    explicit Database(sqlite3* db);
    sqlite3* db_ = nullptr;
    // On the heap so that Statements keep a stable pointer to it when the Database moves.
    std::unique_ptr<StatementCache> cache_;
};

enum class StepResult { Row, Done };

class Statement {
public:
    Statement(Statement&& other) noexcept;
    Statement& operator=(Statement&& other) noexcept;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    ~Statement();

    // Binds are 1-based, as in SQLite.
    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, std::string_view text);
    Statement& bind(int index, const std::string& text) { return bind(index, std::string_view(text)); }
    Statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
    Statement& bind_blob(int index, const std::vector<std::uint8_t>& blob);
    Statement& bind_null(int index);
    Statement& bind(int index, const std::optional<std::string>& text);
    Statement& bind(int index, const std::optional<std::int64_t>& value);

    [[nodiscard]] Result<StepResult> step();
    // Runs to completion, expecting no rows.
    [[nodiscard]] Status run();
    void reset();

    std::int64_t column_int(int index) const;
    std::string column_text(int index) const;
    std::vector<std::uint8_t> column_blob(int index) const;
    bool column_is_null(int index) const;
    std::optional<std::string> column_optional_text(int index) const;
    std::optional<std::int64_t> column_optional_int(int index) const;

private:
    friend class Database;
    Statement(sqlite3* db, sqlite3_stmt* stmt, StatementCache* home) : db_(db), stmt_(stmt), home_(home) {}
    void release();
    sqlite3* db_ = nullptr;
    sqlite3_stmt* stmt_ = nullptr;
    StatementCache* home_ = nullptr;  // where the statement goes back to; nullptr: finalize it
    int bind_error_ = 0;
};

class Transaction {
public:
    // BEGIN IMMEDIATE: takes the write lock now, so a transition never fails half-way on a lock upgrade.
    [[nodiscard]] static Result<Transaction> begin(Database& db);
    Transaction(Transaction&& other) noexcept;
    Transaction& operator=(Transaction&&) = delete;
    Transaction(const Transaction&) = delete;
    ~Transaction();
    [[nodiscard]] Status commit();

private:
    explicit Transaction(Database* db) : db_(db) {}
    Database* db_ = nullptr;
};

// One read snapshot on a read connection (WAL: every query until it ends sees the same committed state),
// ended when it goes out of scope. A deferred BEGIN takes no write lock, so a query_only connection can.
class ReadSnapshot {
public:
    explicit ReadSnapshot(Database& db) : db_(db) {}
    ~ReadSnapshot();
    ReadSnapshot(const ReadSnapshot&) = delete;
    ReadSnapshot& operator=(const ReadSnapshot&) = delete;
    [[nodiscard]] Status begin();

private:
    Database& db_;
    bool open_ = false;
};

struct Migration {
    int version;
    std::string_view name;
    std::string_view sql;
};

// Applies, in version order, each migration not yet recorded. Versions must be strictly increasing.
[[nodiscard]] Status migrate(Database& db, const std::vector<Migration>& migrations);
[[nodiscard]] Result<int> schema_version(Database& db);

}  // namespace hilt::server
