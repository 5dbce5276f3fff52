// server/store/sqlite/checkpointer.cpp: the background checkpoint thread (see the header).
#include "store/sqlite/checkpointer.h"

#include <iostream>

namespace hilt::server {

Result<std::unique_ptr<Checkpointer>> Checkpointer::start(const std::string& path,
                                                          std::chrono::milliseconds interval) {
    auto db = Database::open(path);
    if (!db) return db.error();
    std::unique_ptr<Checkpointer> checkpointer(new Checkpointer(std::move(*db)));
    Checkpointer* self = checkpointer.get();
    checkpointer->thread_ = std::thread([self, interval] {
        std::unique_lock lock(self->mutex_);
        while (!self->wake_.wait_for(lock, interval, [self] { return self->stop_; })) {
            lock.unlock();
            if (auto done = self->checkpoint_once(); !done) {
                std::cerr << "hiltd checkpoint: " << describe(done.error()) << "\n";
            }
            lock.lock();
        }
    });
    return checkpointer;
}

Checkpointer::~Checkpointer() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

Result<Checkpointer::Progress> Checkpointer::checkpoint_once() {
    // PASSIVE: copies what it can without waiting for readers or writers (a busy database is not an error).
    auto stmt = db_.prepare("PRAGMA wal_checkpoint(PASSIVE)");
    if (!stmt) return stmt.error();
    auto row = stmt->step();
    if (!row) return row.error();
    Progress progress;
    if (*row == StepResult::Row) {
        progress.wal_frames = stmt->column_int(1);
        progress.checkpointed = stmt->column_int(2);
    }
    return progress;
}

}  // namespace hilt::server
