// server/store/sqlite/group_commit.h: durable writes from many threads sharing one commit.
//
// Under synchronous=FULL every COMMIT waits for the disk (an fdatasync of the WAL). When many buyers
// start sessions at once, committing each on its own serialises them behind one another's flush
// (scripts/bench (c): p99 above 200 ms at 64 clients). GroupCommit runs the write units that arrive
// while a commit is in flight together in the next transaction: one BEGIN IMMEDIATE … COMMIT, one
// flush, for the whole batch. Each unit runs inside its own SAVEPOINT, so a unit that fails is rolled
// back alone and answers its own error while the others commit.
// Must never: answer a unit before the COMMIT that holds it has returned (acknowledged means durable),
// or run a unit outside the connection's mutex.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <vector>

#include "core/result.h"
#include "store/sqlite/database.h"

namespace hilt::server {

// Units committed together at most: bounds how long the connection's mutex is held at once.
inline constexpr std::size_t kGroupCommitMaxBatch = 128;

class GroupCommit {
public:
    // `mutex` serialises every use of `db` (the stores share it).
    GroupCommit(Database& db, std::mutex& mutex) : db_(db), db_mutex_(mutex) {}

    using Unit = std::function<Status(Database&)>;
    // Runs `unit` inside a transaction shared with the units queued alongside it; returns once that
    // transaction committed (the unit's own status) or failed (the commit's error).
    [[nodiscard]] Status run(const Unit& unit);

private:
    struct Pending {
        const Unit* unit = nullptr;
        std::optional<Status> result;
    };
    void commit_batch(const std::vector<Pending*>& batch);

    Database& db_;
    std::mutex& db_mutex_;
    std::mutex queue_mutex_;
    std::condition_variable done_;
    std::vector<Pending*> queue_;
    bool leader_active_ = false;
};

}  // namespace hilt::server
