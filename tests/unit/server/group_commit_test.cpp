// tests/unit/server/group_commit_test.cpp: GroupCommit over a real SQLite file: units from many threads
// commit, a failing unit is undone alone while its batch-mates commit, nothing is answered before it is
// durable (a second connection sees every acknowledged row), the prepared-statement cache of
// Database hands out a fresh, reset statement each time, and ReadPool reads the committed state while
// the writer is busy.
#include "store/sqlite/group_commit.h"
#include "store/sqlite/checkpointer.h"
#include "store/sqlite/read_pool.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace hilt::server {
namespace {

namespace fs = std::filesystem;

class GroupCommitTest : public ::testing::Test {
protected:
    void SetUp() override {
        static std::atomic<int> counter{0};
        path_ = (fs::temp_directory_path() /
                 ("hilt-group-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".sqlite"))
                    .string();
        remove_files();
        auto db = Database::open(path_);
        ASSERT_TRUE(db) << describe(db.error());
        db_.emplace(std::move(*db));
        ASSERT_TRUE(db_->exec("CREATE TABLE rows (id INTEGER PRIMARY KEY, owner TEXT NOT NULL UNIQUE)"));
    }
    void TearDown() override {
        db_.reset();
        remove_files();
    }
    void remove_files() {
        for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path_ + suffix);
    }
    static Status insert(Database& db, const std::string& owner) {
        auto stmt = db.prepare("INSERT INTO rows(owner) VALUES(?)");
        if (!stmt) return stmt.error();
        stmt->bind(1, owner);
        return stmt->run();
    }
    std::int64_t count_from_another_connection() {
        auto other = Database::open(path_);
        EXPECT_TRUE(other);
        auto stmt = other->prepare("SELECT COUNT(*) FROM rows");
        EXPECT_TRUE(stmt);
        auto row = stmt->step();
        EXPECT_TRUE(row && *row == StepResult::Row);
        return stmt->column_int(0);
    }

    std::string path_;
    std::optional<Database> db_;
    std::mutex mutex_;
};

TEST_F(GroupCommitTest, EveryUnitFromManyThreadsIsDurableOnceAcknowledged) {
    GroupCommit group(*db_, mutex_);
    constexpr int kThreads = 16;
    constexpr int kEach = 20;
    std::atomic<int> acknowledged{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kEach; ++i) {
                const auto owner = "t" + std::to_string(t) + "-" + std::to_string(i);
                if (group.run([&](Database& db) { return insert(db, owner); })) ++acknowledged;
            }
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(acknowledged.load(), kThreads * kEach);
    EXPECT_EQ(count_from_another_connection(), kThreads * kEach);
}

TEST_F(GroupCommitTest, AFailingUnitIsUndoneAloneAndAnswersItsOwnError) {
    GroupCommit group(*db_, mutex_);
    ASSERT_TRUE(group.run([](Database& db) { return insert(db, "taken"); }));
    // Many threads at once, so that units share batches; every third one collides with "taken" after
    // writing a row of its own, which its savepoint must undo.
    constexpr int kUnits = 60;
    std::vector<std::thread> threads;
    std::vector<int> outcome(kUnits, -1);
    for (int u = 0; u < kUnits; ++u) {
        threads.emplace_back([&, u] {
            const bool collide = u % 3 == 0;
            auto status = group.run([&](Database& db) -> Status {
                HILT_TRY(insert(db, "unit-" + std::to_string(u)));
                if (collide) return insert(db, "taken");
                return {};
            });
            outcome[static_cast<std::size_t>(u)] = status ? 1 : 0;
        });
    }
    for (auto& thread : threads) thread.join();
    int committed = 0;
    for (int u = 0; u < kUnits; ++u) {
        EXPECT_EQ(outcome[static_cast<std::size_t>(u)], u % 3 == 0 ? 0 : 1) << "unit " << u;
        committed += outcome[static_cast<std::size_t>(u)] == 1;
    }
    // "taken" plus one row per successful unit; none of the failed units' first rows survived.
    EXPECT_EQ(count_from_another_connection(), 1 + committed);
    auto stmt = db_->prepare("SELECT COUNT(*) FROM rows WHERE owner = 'unit-0' OR owner = 'unit-3'");
    ASSERT_TRUE(stmt);
    ASSERT_TRUE(stmt->step());
    EXPECT_EQ(stmt->column_int(0), 0);
}

TEST_F(GroupCommitTest, PreparedStatementsAreReusedResetAndNeverShared) {
    ASSERT_TRUE(insert(*db_, "a"));
    ASSERT_TRUE(insert(*db_, "b"));
    const std::string sql = "SELECT owner FROM rows WHERE owner >= ? ORDER BY owner";
    {
        auto first = db_->prepare(sql);
        ASSERT_TRUE(first);
        first->bind(1, "a");
        auto row = first->step();
        ASSERT_TRUE(row && *row == StepResult::Row);
        EXPECT_EQ(first->column_text(0), "a");
        // The same text while the first is mid-iteration: a statement of its own.
        auto second = db_->prepare(sql);
        ASSERT_TRUE(second);
        second->bind(1, "b");
        auto other_row = second->step();
        ASSERT_TRUE(other_row && *other_row == StepResult::Row);
        EXPECT_EQ(second->column_text(0), "b");
        row = first->step();
        ASSERT_TRUE(row && *row == StepResult::Row);
        EXPECT_EQ(first->column_text(0), "b") << "the first statement kept its own cursor";
    }
    // Back from the cache: reset (starts from the first row) with its bindings cleared (NULL binds
    // match nothing).
    auto again = db_->prepare(sql);
    ASSERT_TRUE(again);
    auto row = again->step();
    ASSERT_TRUE(row);
    EXPECT_EQ(*row, StepResult::Done);
    // A write through a cached statement still sees the schema as it is now.
    ASSERT_TRUE(db_->exec("ALTER TABLE rows ADD COLUMN note TEXT"));
    ASSERT_TRUE(insert(*db_, "c"));
    EXPECT_EQ(count_from_another_connection(), 3);
}

TEST_F(GroupCommitTest, ReadsSeeCommittedRowsWhileTheWriterIsMidTransaction) {
    ASSERT_TRUE(insert(*db_, "committed"));
    auto pool = ReadPool::open(path_, 2, *db_, mutex_);
    ASSERT_TRUE(pool) << describe(pool.error());
    // The writer's mutex is held and its transaction is open, as during a commit's flush.
    std::lock_guard writer_busy(mutex_);
    auto tx = Transaction::begin(*db_);
    ASSERT_TRUE(tx);
    ASSERT_TRUE(insert(*db_, "uncommitted"));
    auto reader = (*pool)->lease();
    auto stmt = reader.db().prepare("SELECT group_concat(owner) FROM rows");
    ASSERT_TRUE(stmt);
    auto row = stmt->step();
    ASSERT_TRUE(row && *row == StepResult::Row);
    EXPECT_EQ(stmt->column_text(0), "committed");
    // And the pool never writes.
    auto write = reader.db().exec("INSERT INTO rows(owner) VALUES('from a reader')");
    EXPECT_FALSE(write);
}

TEST_F(GroupCommitTest, TheBackgroundCheckpointCopiesTheWalThatCommitsNoLongerCheckpoint) {
    ASSERT_TRUE(db_->exec("PRAGMA wal_autocheckpoint=0"));
    GroupCommit group(*db_, mutex_);
    for (int i = 0; i < 200; ++i) {
        ASSERT_TRUE(group.run([&](Database& db) { return insert(db, "row-" + std::to_string(i)); }));
    }
    // An hour between runs: only the explicit call below checkpoints.
    auto checkpointer = Checkpointer::start(path_, std::chrono::hours(1));
    ASSERT_TRUE(checkpointer) << describe(checkpointer.error());
    auto progress = (*checkpointer)->checkpoint_once();
    ASSERT_TRUE(progress) << describe(progress.error());
    EXPECT_GE(progress->wal_frames, 200) << "every commit stayed in the WAL (one frame or more each)";
    EXPECT_EQ(progress->checkpointed, progress->wal_frames) << "no reader or writer held it back";
    EXPECT_EQ(count_from_another_connection(), 200);
}

TEST_F(GroupCommitTest, AnInMemoryDatabaseIsReadThroughItsWriter) {
    auto memory = Database::open(":memory:");
    ASSERT_TRUE(memory);
    ASSERT_TRUE(memory->exec("CREATE TABLE rows (owner TEXT)"));
    ASSERT_TRUE(insert(*memory, "only here"));
    std::mutex memory_mutex;
    auto pool = ReadPool::open(":memory:", 2, *memory, memory_mutex);
    ASSERT_TRUE(pool);
    auto reader = (*pool)->lease();
    EXPECT_EQ(&reader.db(), &*memory);
    EXPECT_FALSE(memory_mutex.try_lock()) << "the lease holds the writer's mutex";
}

}  // namespace
}  // namespace hilt::server
