// server/store/sqlite/database.cpp: SQLite calls behind Database, Statement, Transaction and
// migrate().
#include "store/sqlite/database.h"

#include <sqlite3.h>

#include <string>
#include <unordered_map>
#include <utility>

namespace hilt::server {

namespace {
Error sqlite_error(sqlite3* db, std::string_view what) {
    std::string message(what);
    message += ": ";
    message += db ? sqlite3_errmsg(db) : "out of memory";
    return fail(ErrorCode::Internal, std::move(message));
}
}  // namespace

// Free prepared statements by SQL text. Used under the connection's own serialisation (the stores'
// mutex), like every other call on the connection.
struct StatementCache {
    std::unordered_multimap<std::string, sqlite3_stmt*> free;

    ~StatementCache() {
        for (auto& [sql, stmt] : free) sqlite3_finalize(stmt);
    }
    sqlite3_stmt* take(std::string_view sql) {
        const auto it = free.find(std::string(sql));
        if (it == free.end()) return nullptr;
        sqlite3_stmt* stmt = it->second;
        free.erase(it);
        return stmt;
    }
    void give_back(sqlite3_stmt* stmt) {
        sqlite3_reset(stmt);
        sqlite3_clear_bindings(stmt);
        if (free.size() >= kStatementCacheMax) {
            sqlite3_finalize(stmt);
            return;
        }
        free.emplace(sqlite3_sql(stmt), stmt);
    }
};

// ---- Database -------------------------------------------------------------------------------------------

Result<Database> Database::open(const std::string& path) {
    sqlite3* raw = nullptr;
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path.c_str(), &raw, flags, nullptr) != SQLITE_OK) {
        Error error = sqlite_error(raw, "cannot open database " + path);
        sqlite3_close(raw);
        return error;
    }
    Database db(raw);
    sqlite3_busy_timeout(raw, kSqliteBusyTimeoutMs);
    // WAL lets readers proceed during a write; FULL makes each commit durable before it is acknowledged.
    HILT_TRY(db.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"));
    return db;
}

Database::Database(sqlite3* db) : db_(db), cache_(std::make_unique<StatementCache>()) {}

Database::Database(Database&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), cache_(std::move(other.cache_)) {}

Database& Database::operator=(Database&& other) noexcept {
    if (this != &other) {
        cache_.reset();  // finalize this connection's statements before closing it
        if (db_) sqlite3_close_v2(db_);
        db_ = std::exchange(other.db_, nullptr);
        cache_ = std::move(other.cache_);
    }
    return *this;
}

Database::~Database() {
    cache_.reset();
    if (db_) sqlite3_close_v2(db_);
}

Status Database::exec(std::string_view sql) {
    char* message = nullptr;
    const std::string text(sql);
    if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
        std::string detail = message ? message : "unknown error";
        sqlite3_free(message);
        return fail(ErrorCode::Internal, "sql failed: " + detail);
    }
    return {};
}

Result<Statement> Database::prepare(std::string_view sql) {
    if (sqlite3_stmt* cached = cache_->take(sql)) return Statement(db_, cached, cache_.get());
    sqlite3_stmt* stmt = nullptr;
    // SQLITE_PREPARE_PERSISTENT: the statement is meant to be kept and reused.
    if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt,
                           nullptr) != SQLITE_OK) {
        sqlite3_finalize(stmt);
        return sqlite_error(db_, "cannot prepare statement");
    }
    return Statement(db_, stmt, cache_.get());
}

std::int64_t Database::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
int Database::changes() const { return sqlite3_changes(db_); }

// ---- Statement ------------------------------------------------------------------------------------------

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_), stmt_(std::exchange(other.stmt_, nullptr)), home_(other.home_),
      bind_error_(other.bind_error_) {}

Statement& Statement::operator=(Statement&& other) noexcept {
    if (this != &other) {
        release();
        db_ = other.db_;
        stmt_ = std::exchange(other.stmt_, nullptr);
        home_ = other.home_;
        bind_error_ = other.bind_error_;
    }
    return *this;
}

Statement::~Statement() { release(); }

void Statement::release() {
    if (!stmt_) return;
    if (home_) {
        home_->give_back(stmt_);
    } else {
        sqlite3_finalize(stmt_);
    }
    stmt_ = nullptr;
}

Statement& Statement::bind(int index, std::int64_t value) {
    const int rc = sqlite3_bind_int64(stmt_, index, value);
    if (rc != SQLITE_OK) bind_error_ = rc;
    return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
    const int rc = sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()),
                                     SQLITE_TRANSIENT);
    if (rc != SQLITE_OK) bind_error_ = rc;
    return *this;
}

Statement& Statement::bind_blob(int index, const std::vector<std::uint8_t>& blob) {
    const int rc = sqlite3_bind_blob(stmt_, index, blob.data(), static_cast<int>(blob.size()),
                                     SQLITE_TRANSIENT);
    if (rc != SQLITE_OK) bind_error_ = rc;
    return *this;
}

Statement& Statement::bind_null(int index) {
    const int rc = sqlite3_bind_null(stmt_, index);
    if (rc != SQLITE_OK) bind_error_ = rc;
    return *this;
}

Statement& Statement::bind(int index, const std::optional<std::string>& text) {
    return text ? bind(index, std::string_view(*text)) : bind_null(index);
}

Statement& Statement::bind(int index, const std::optional<std::int64_t>& value) {
    return value ? bind(index, *value) : bind_null(index);
}

Result<StepResult> Statement::step() {
    if (bind_error_ != SQLITE_OK) {
        return fail(ErrorCode::Internal, std::string("bind failed: ") + sqlite3_errstr(bind_error_));
    }
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return StepResult::Row;
    if (rc == SQLITE_DONE) return StepResult::Done;
    return sqlite_error(db_, "statement failed");
}

Status Statement::run() {
    for (;;) {
        auto result = step();
        if (!result) return result.error();
        if (*result == StepResult::Done) return {};
    }
}

void Statement::reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    bind_error_ = SQLITE_OK;
}

std::int64_t Statement::column_int(int index) const { return sqlite3_column_int64(stmt_, index); }

std::string Statement::column_text(int index) const {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, index));
    const int size = sqlite3_column_bytes(stmt_, index);
    return text ? std::string(text, static_cast<std::size_t>(size)) : std::string();
}

std::vector<std::uint8_t> Statement::column_blob(int index) const {
    const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, index));
    const int size = sqlite3_column_bytes(stmt_, index);
    return data ? std::vector<std::uint8_t>(data, data + size) : std::vector<std::uint8_t>();
}

bool Statement::column_is_null(int index) const {
    return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

std::optional<std::string> Statement::column_optional_text(int index) const {
    if (column_is_null(index)) return std::nullopt;
    return column_text(index);
}

std::optional<std::int64_t> Statement::column_optional_int(int index) const {
    if (column_is_null(index)) return std::nullopt;
    return column_int(index);
}

// ---- Transaction ----------------------------------------------------------------------------------------

ReadSnapshot::~ReadSnapshot() {
    if (open_) (void)db_.exec("COMMIT");
}

Status ReadSnapshot::begin() {
    HILT_TRY(db_.exec("BEGIN"));
    open_ = true;
    return {};
}

Result<Transaction> Transaction::begin(Database& db) {
    HILT_TRY(db.exec("BEGIN IMMEDIATE"));
    return Transaction(&db);
}

Transaction::Transaction(Transaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}

Transaction::~Transaction() {
    if (db_) (void)db_->exec("ROLLBACK");
}

Status Transaction::commit() {
    if (!db_) return fail(ErrorCode::Internal, "transaction already finished");
    auto status = db_->exec("COMMIT");
    if (status) db_ = nullptr;
    return status;
}

// ---- migrations -----------------------------------------------------------------------------------------

Result<int> schema_version(Database& db) {
    HILT_TRY(db.exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
                     " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)"));
    auto stmt = db.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    if (!stmt) return stmt.error();
    auto row = stmt->step();
    if (!row) return row.error();
    return static_cast<int>(stmt->column_int(0));
}

Status migrate(Database& db, const std::vector<Migration>& migrations) {
    auto current = schema_version(db);
    if (!current) return current.error();
    int previous = 0;
    for (const auto& migration : migrations) {
        if (migration.version <= previous) {
            return fail(ErrorCode::Internal, "migration versions must increase: " +
                                                 std::to_string(migration.version));
        }
        previous = migration.version;
        if (migration.version <= *current) continue;
        auto tx = Transaction::begin(db);
        if (!tx) return tx.error();
        auto applied = db.exec(migration.sql);
        if (!applied) {
            return fail(ErrorCode::Internal, "migration " + std::to_string(migration.version) + " (" +
                                                 std::string(migration.name) + ") failed: " +
                                                 applied.error().message);
        }
        auto record = db.prepare(
            "INSERT INTO schema_migrations(version, name, applied_at) VALUES(?, ?, strftime('%s','now'))");
        if (!record) return record.error();
        record->bind(1, static_cast<std::int64_t>(migration.version)).bind(2, migration.name);
        HILT_TRY(record->run());
        HILT_TRY(tx->commit());
    }
    return {};
}

}  // namespace hilt::server
