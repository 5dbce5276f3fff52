// server/store/sqlite/checkpointer.h: WAL checkpoints off the commit path.
//
// SQLite's automatic checkpoint runs inside whichever commit pushes the WAL past 1000 pages: that commit
// copies the WAL into the database file and flushes it, tens of milliseconds more for one unlucky buyer
// (scripts/bench (c): connect p99). hiltd turns the automatic checkpoint off on its writer and runs a
// PASSIVE checkpoint from its own connection on a background thread instead; writers keep appending to the
// WAL meanwhile, and once everything is copied the next writer starts the WAL over.
// Must never: run a blocking (FULL/RESTART/TRUNCATE) checkpoint, which would wait for writers.
#pragma once

#include <chrono>
#include <cstdint>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/result.h"
#include "store/sqlite/database.h"

namespace hilt::server {

// How often the background checkpoint runs: the WAL grows by at most what a second of commits writes.
inline constexpr std::chrono::milliseconds kCheckpointInterval{1000};

class Checkpointer {
public:
    // Opens its own connection to `path` and starts the thread. The caller turns the writer's automatic
    // checkpoint off (PRAGMA wal_autocheckpoint=0).
    [[nodiscard]] static Result<std::unique_ptr<Checkpointer>> start(const std::string& path,
                                                                     std::chrono::milliseconds interval);
    ~Checkpointer();  // stops and joins the thread
    Checkpointer(const Checkpointer&) = delete;
    Checkpointer& operator=(const Checkpointer&) = delete;

    struct Progress {
        std::int64_t wal_frames = 0;    // frames in the WAL
        std::int64_t checkpointed = 0;  // of which now copied into the database file
    };
    // One PASSIVE checkpoint now (the thread's work; also for tests).
    [[nodiscard]] Result<Progress> checkpoint_once();

private:
    explicit Checkpointer(Database db) : db_(std::move(db)) {}
    Database db_;
    std::mutex mutex_;  // db_ and stop_
    std::condition_variable wake_;
    bool stop_ = false;
    std::thread thread_;
};

}  // namespace hilt::server
