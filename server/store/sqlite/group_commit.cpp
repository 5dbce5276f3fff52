// server/store/sqlite/group_commit.cpp: the leader/follower batching behind GroupCommit (see the header).
//
// The first caller to find no commit in flight becomes the leader: it takes the queue (up to
// kGroupCommitMaxBatch units, its own among them or already taken by the previous leader), commits it,
// publishes each unit's result and wakes everyone. Callers that arrive meanwhile queue up and wait; when
// the leader finishes, one of them leads the next batch.
#include "store/sqlite/group_commit.h"

#include <algorithm>

namespace hilt::server {

Status GroupCommit::run(const Unit& unit) {
    Pending me;
    me.unit = &unit;
    std::unique_lock lock(queue_mutex_);
    queue_.push_back(&me);
    while (!me.result) {
        if (leader_active_) {
            done_.wait(lock);
            continue;
        }
        leader_active_ = true;
        const auto take = std::min(queue_.size(), kGroupCommitMaxBatch);
        std::vector<Pending*> batch(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(take));
        queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(take));
        lock.unlock();
        commit_batch(batch);  // fills each result; read only under queue_mutex_ below
        lock.lock();
        leader_active_ = false;
        done_.notify_all();
    }
    return *me.result;
}

void GroupCommit::commit_batch(const std::vector<Pending*>& batch) {
    std::vector<Status> results(batch.size());
    Status outcome;
    {
        std::lock_guard db_lock(db_mutex_);
        auto tx = Transaction::begin(db_);
        if (!tx) {
            outcome = tx.error();
        } else {
            for (std::size_t i = 0; i < batch.size(); ++i) {
                if (auto begun = db_.exec("SAVEPOINT hilt_unit"); !begun) {
                    results[i] = begun.error();
                    continue;
                }
                results[i] = (*batch[i]->unit)(db_);
                if (!results[i]) {
                    // Undo this unit only; the savepoint is then released empty.
                    (void)db_.exec("ROLLBACK TO hilt_unit");
                }
                (void)db_.exec("RELEASE hilt_unit");
            }
            outcome = tx->commit();
        }
    }
    std::lock_guard lock(queue_mutex_);
    for (std::size_t i = 0; i < batch.size(); ++i) {
        batch[i]->result = outcome ? results[i] : Status(outcome.error());
    }
}

}  // namespace hilt::server
