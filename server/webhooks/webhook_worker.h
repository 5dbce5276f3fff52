// server/webhooks/webhook_worker.h: sends the webhook outbox (store/webhook_store.h).
//
// One dispatcher thread reads what is due and hands it to a pool of sender threads, at most `per_endpoint` in
// flight per endpoint (one while the endpoint's last attempt failed), so a slow or dead endpoint holds at
// most that many senders for at most `timeout` each and never the whole pool. Senders are woken as the queue
// needs them, not one per delivery: one more only when deliveries have waited in the queue for `ramp_delay`
// (2 ms) with no sender taking one. Fast receivers are served by a sender or two in turn (a burst of deliveries does not
// wake the whole pool and take every core at once), slow ones by as many senders as they keep waiting. What is due beyond an
// endpoint's cap waits in memory (its backlog); a sender that finishes takes the next one of its endpoint
// from there itself, so the outbox is read once per poll, poke or drained backlog rather than once per
// delivery, and the backlog is rebuilt from the outbox at every read (never more stale than a poll). Reads
// take the due rows' keys only; the sender that starts an attempt reads its URL, secrets and body then (one
// lookup by key: a backlog re-read at every poll copies no bodies, and a rotation signs at once). Each
// attempt is signed for its own timestamp (webhooks/signing.h; a sender remembers its last few v1a signatures,
// so an event fanned out within one second is ed25519-signed once per sender; the webhook-id is the event id,
// the same on every attempt),
// posted to the address its URL policy allowed (webhooks/url_policy.h; a sender keeps a connection open for
// its next delivery to the same address for up to 2 s) and logged by one recorder thread, which writes
// whatever finished meanwhile (and what busy senders finish within 5 ms more) in one durable write (the row counts as in flight until then, so no read sees
// it due again); senders thus never hold the database. A 2xx answer delivers, anything else retries after the
// next delay of the schedule, jittered down by up to a quarter, and after the last one the delivery is FAILED
// (a merchant can redeliver it by hand).
// At-least-once: an attempt in flight when the process dies is due again after a restart, with the same
// webhook-id, so receivers deduplicate on it.
// Must never: follow a redirect, send to an address the policy refuses, or hold its mutex during I/O.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "crypto/sodium.h"
#include "store/webhook_store.h"
#include "webhooks/signing.h"

namespace httplib {
class ClientImpl;
}

namespace hilt::server {

class Clock;

// The default schedule: attempts at once, then after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h and
// 20 h: ten attempts over 71 h 35 min (jitter only shortens it), i.e. up to three days.
std::vector<std::chrono::milliseconds> default_webhook_retry_delays();

struct WebhookOptions {
    bool allow_loopback = false;  // tests and local development: loopback endpoints, http too
    std::vector<std::chrono::milliseconds> retry_delays = default_webhook_retry_delays();
    std::size_t threads = 16;
    std::size_t per_endpoint = 4;
    std::chrono::milliseconds connect_timeout{5'000};
    std::chrono::milliseconds timeout{10'000};  // reading the answer, and the whole attempt
    std::chrono::milliseconds poll_interval{250};
    // Deliveries waiting in the queue this long with no sender taking one wake one more sender.
    std::chrono::milliseconds ramp_delay{2};
    std::string ca_file;  // trust only these PEM CAs for https endpoints; empty: the system's store
};

class WebhookWorker {
public:
    WebhookWorker(WebhookStore& store, const Clock& clock, const Ed25519Keypair& signing_key,
                  WebhookOptions options);
    ~WebhookWorker();
    WebhookWorker(const WebhookWorker&) = delete;
    WebhookWorker& operator=(const WebhookWorker&) = delete;

    void start();
    // Aborts attempts in flight (they stay due: nothing is recorded for them) and joins the threads.
    void stop();
    // Something may have become due (an event written, a redelivery) or changed (an endpoint deleted or its
    // secret rotated): read the outbox now rather than at the next poll.
    void poke();

private:
    struct Connections;  // one sender's kept-alive connections (webhook_worker.cpp)
    // One attempt at `delivery`, signed by the sender's `signer` and sent as `message` says, on one of the
    // sender's `connections` (or a new one it keeps afterwards); the caller records it.
    AttemptRecord attempt(const DueDelivery& delivery, const DeliveryMessage& message, Connections& connections,
                          WebhookSigner& signer);
    void dispatch_loop();
    // With the lock held (released during the read): reads what is due into the backlog and starts what the
    // caps allow.
    void read_outbox_locked(std::unique_lock<std::mutex>& lock);
    // With the lock held: wakes one more sender if deliveries wait in the queue and no sender has taken one
    // for the ramp delay.
    void wake_sender_locked();
    void send_loop();
    void record_loop();
    std::size_t cap_for(const std::string& endpoint_id) const;
    // With the lock held: moves backlog rows of `endpoint_id` in flight while its cap allows; the first
    // goes to `next` when given (the calling sender sends it), the rest to the queue. Returns how many queued.
    std::size_t start_backlog_locked(const std::string& endpoint_id, std::optional<DueDelivery>* next);

    WebhookStore& store_;
    const Clock& clock_;
    const Ed25519Keypair& signing_key_;
    const WebhookOptions options_;

    mutable std::mutex mutex_;
    std::condition_variable dispatch_wake_;
    std::condition_variable send_wake_;
    std::condition_variable record_wake_;
    bool running_ = false;
    bool stopping_ = false;
    bool senders_done_ = false;  // stop() joined the senders: the recorder writes what is left and ends
    bool poked_ = false;
    bool ramp_watch_ = false;  // the dispatcher looks at the queue again within the ramp delay
    bool ramp_check_ = false;  // a sender queued deliveries while the dispatcher was not watching
    std::size_t idle_senders_ = 0;  // waiting for the queue
    bool recorder_gathering_ = false;  // the recorder waits for busy senders' attempts to write them together
    std::chrono::steady_clock::time_point last_take_{};  // a sender last took from the queue (or was woken to)
    std::deque<DueDelivery> queue_;
    // Due rows of the last outbox read that wait for their endpoint's cap, in due order, by endpoint.
    std::map<std::string, std::deque<DueDelivery>> backlog_;
    // Endpoints whose last read may have left due rows unread (it filled the per-endpoint window, or the
    // whole read was cut at its limit): when their backlog runs dry the outbox is read again.
    std::set<std::string> unread_;
    bool read_cut_ = false;
    std::set<std::pair<std::string, std::string>> in_flight_;  // (event, endpoint), until its attempt is recorded
    // Finished attempts the recorder has yet to write (their rows stay in flight until it has).
    std::vector<AttemptRecord> unrecorded_;
    // Attempts finished (recorded) since the dispatcher's last read of the outbox, by when they finished.
    std::uint64_t finished_seq_ = 0;
    std::map<std::pair<std::string, std::string>, std::uint64_t> finished_at_;
    std::map<std::string, std::size_t> endpoint_in_flight_;
    std::set<std::string> failing_endpoints_;  // last attempt failed: one at a time
    std::set<httplib::ClientImpl*> connections_;  // open attempts, aborted by stop()
    std::thread dispatcher_;
    std::thread recorder_;
    std::vector<std::thread> senders_;
};

}  // namespace hilt::server
