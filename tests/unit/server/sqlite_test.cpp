#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <unistd.h>

#include "store/sqlite/database.h"
#include "store/sqlite/migrations.h"

namespace hilt::server {
namespace {

class TempDatabaseFile {
public:
    TempDatabaseFile() {
        path_ = (std::filesystem::temp_directory_path() /
                 ("hilt-sqlite-test-" + std::to_string(::getpid()) + "-" +
                  std::to_string(counter_++) + ".sqlite"))
                    .string();
        remove_all();
    }
    ~TempDatabaseFile() { remove_all(); }
    const std::string& path() const { return path_; }

private:
    void remove_all() {
        for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + suffix);
    }
    std::string path_;
    static inline int counter_ = 0;
};

const std::vector<Migration> kMigrations = {
    {1, "notes", "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)"},
    {2, "notes_author", "ALTER TABLE notes ADD COLUMN author TEXT"},
};

TEST(Sqlite, OpensInWalModeWithFullSynchronousCommits) {
    TempDatabaseFile file;
    auto db = Database::open(file.path());
    ASSERT_TRUE(db) << describe(db.error());
    auto mode = db->prepare("PRAGMA journal_mode");
    ASSERT_TRUE(mode);
    ASSERT_TRUE(mode->step());
    EXPECT_EQ(mode->column_text(0), "wal");
    auto sync = db->prepare("PRAGMA synchronous");
    ASSERT_TRUE(sync);
    ASSERT_TRUE(sync->step());
    EXPECT_EQ(sync->column_int(0), 2);  // FULL
}

TEST(Sqlite, MigrationsApplyOnceInOrderAndSurviveReopening) {
    TempDatabaseFile file;
    {
        auto db = Database::open(file.path());
        ASSERT_TRUE(db);
        ASSERT_TRUE(migrate(*db, kMigrations).ok());
        auto version = schema_version(*db);
        ASSERT_TRUE(version);
        EXPECT_EQ(*version, 2);
        auto insert = db->prepare("INSERT INTO notes(body, author) VALUES(?, ?)");
        ASSERT_TRUE(insert);
        insert->bind(1, std::string_view("hello")).bind(2, std::optional<std::string>{});
        ASSERT_TRUE(insert->run().ok());
    }
    auto db = Database::open(file.path());
    ASSERT_TRUE(db);
    ASSERT_TRUE(migrate(*db, kMigrations).ok()) << "re-running applied migrations must be a no-op";
    auto select = db->prepare("SELECT body, author FROM notes");
    ASSERT_TRUE(select);
    auto row = select->step();
    ASSERT_TRUE(row);
    ASSERT_EQ(*row, StepResult::Row);
    EXPECT_EQ(select->column_text(0), "hello");
    EXPECT_FALSE(select->column_optional_text(1).has_value());
}

TEST(Sqlite, AFailingMigrationLeavesNoTraceAndNamesItself) {
    auto db = Database::open(":memory:");
    ASSERT_TRUE(db);
    const std::vector<Migration> broken = {
        {1, "ok", "CREATE TABLE a (x INTEGER)"},
        {2, "broken", "CREATE TABLE b (x INTEGER); INSERT INTO nowhere VALUES (1)"},
    };
    auto status = migrate(*db, broken);
    ASSERT_FALSE(status.ok());
    EXPECT_NE(status.error().message.find("broken"), std::string::npos) << describe(status.error());
    auto version = schema_version(*db);
    ASSERT_TRUE(version);
    EXPECT_EQ(*version, 1);
    EXPECT_FALSE(db->prepare("SELECT * FROM b")) << "table b belongs to the rolled-back migration";
}

TEST(Sqlite, Migration11KeepsRenewalsSentBeforeItWithAnUnknownAllowance) {
    auto db = Database::open(":memory:");
    ASSERT_TRUE(db);
    const auto& all = hiltd_migrations();
    ASSERT_GE(all.size(), 11u);
    ASSERT_EQ(all[10].version, 11);
    ASSERT_TRUE(migrate(*db, std::vector<Migration>(all.begin(), all.begin() + 10)).ok());
    ASSERT_TRUE(db->exec("INSERT INTO renewals(membership_id, period_index, merchant_id, payment_id, state,"
                         " amount_minor_units, due_at, next_attempt_at, created_at, updated_at)"
                         " VALUES('mem_a', 1, 'mer_a', 'pay_a', 'SENDING', 5, 1, 1, 1, 1)")
                    .ok());
    ASSERT_TRUE(migrate(*db, all).ok());
    auto version = schema_version(*db);
    ASSERT_TRUE(version);
    EXPECT_EQ(*version, all.back().version);
    auto read = db->prepare("SELECT allowance_available_minor_units FROM renewals WHERE membership_id = 'mem_a'");
    ASSERT_TRUE(read);
    auto row = read->step();
    ASSERT_TRUE(row);
    ASSERT_EQ(*row, StepResult::Row);
    EXPECT_FALSE(read->column_optional_int(0).has_value());
}

TEST(Sqlite, TransactionsRollBackUnlessCommitted) {
    auto db = Database::open(":memory:");
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->exec("CREATE TABLE t (x INTEGER)").ok());
    {
        auto tx = Transaction::begin(*db);
        ASSERT_TRUE(tx);
        ASSERT_TRUE(db->exec("INSERT INTO t VALUES (1)").ok());
    }
    {
        auto tx = Transaction::begin(*db);
        ASSERT_TRUE(tx);
        ASSERT_TRUE(db->exec("INSERT INTO t VALUES (2)").ok());
        ASSERT_TRUE(tx->commit().ok());
    }
    auto count = db->prepare("SELECT COUNT(*), SUM(x) FROM t");
    ASSERT_TRUE(count);
    ASSERT_TRUE(count->step());
    EXPECT_EQ(count->column_int(0), 1);
    EXPECT_EQ(count->column_int(1), 2);
}

TEST(Sqlite, ConstraintViolationsAreErrorsNotCrashes) {
    auto db = Database::open(":memory:");
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->exec("CREATE TABLE u (k TEXT PRIMARY KEY)").ok());
    auto insert = db->prepare("INSERT INTO u VALUES (?)");
    ASSERT_TRUE(insert);
    insert->bind(1, std::string_view("a"));
    ASSERT_TRUE(insert->run().ok());
    insert->reset();
    insert->bind(1, std::string_view("a"));
    auto again = insert->run();
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, ErrorCode::Internal);
    EXPECT_FALSE(db->prepare("SELEKT nonsense"));
}

TEST(Sqlite, Migration14ReadsADeliverysAttemptsAsOneRangeOfAnIndex) {
    auto db = Database::open(":memory:");
    ASSERT_TRUE(db);
    const auto& all = hiltd_migrations();
    ASSERT_GE(all.size(), 14u);
    ASSERT_EQ(all[13].version, 14);
    ASSERT_TRUE(migrate(*db, std::vector<Migration>(all.begin(), all.begin() + 13)).ok());
    ASSERT_TRUE(db->exec("INSERT INTO webhook_attempts(event_id, endpoint_id, attempted_at, latency_ms)"
                         " VALUES('evt_a', 'we_a', 1, 5), ('evt_a', 'we_b', 2, 5), ('evt_a', 'we_a', 3, 5)")
                    .ok());
    ASSERT_TRUE(migrate(*db, all).ok());
    // The attempts made before it are all still there, counted and ordered through the new index.
    auto plan = db->prepare(
        "EXPLAIN QUERY PLAN SELECT attempted_at FROM webhook_attempts"
        " WHERE event_id = 'evt_a' AND endpoint_id = 'we_a' ORDER BY seq DESC LIMIT 20");
    ASSERT_TRUE(plan);
    std::string details;
    for (auto row = plan->step(); row && *row == StepResult::Row; row = plan->step()) details += plan->column_text(3);
    EXPECT_NE(details.find("USING INDEX webhook_attempts_by_delivery (event_id=? AND endpoint_id=?)"),
              std::string::npos) << details;
    EXPECT_EQ(details.find("TEMP B-TREE"), std::string::npos) << "the range is already in seq order: " << details;
    auto latest = db->prepare("SELECT attempted_at FROM webhook_attempts"
                              " WHERE event_id = 'evt_a' AND endpoint_id = 'we_a' ORDER BY seq DESC");
    ASSERT_TRUE(latest);
    std::vector<std::int64_t> times;
    for (auto row = latest->step(); row && *row == StepResult::Row; row = latest->step()) {
        times.push_back(latest->column_int(0));
    }
    EXPECT_EQ(times, (std::vector<std::int64_t>{3, 1}));
    EXPECT_FALSE(db->prepare("SELECT * FROM webhook_attempts INDEXED BY webhook_attempts_by_event"))
        << "the event-wide index is dropped: the delivery index's first column serves its reads";
}

}  // namespace
}  // namespace hilt::server
