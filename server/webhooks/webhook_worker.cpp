// server/webhooks/webhook_worker.cpp: see webhook_worker.h. With chain/rpc_client and server/http, one of
// the places that include httplib.
#include "webhooks/webhook_worker.h"

#include <httplib.h>

#include <algorithm>
#include <random>

#include "app.h"
#include "http/tls_client.h"
#include "webhooks/url_policy.h"

namespace hilt::server {

namespace {

using std::chrono::milliseconds;
using Steady = std::chrono::steady_clock;

constexpr std::size_t kDueBatch = 256;
// Rows read per endpoint: its cap in flight and the rest in its backlog.
constexpr std::size_t kReadPerEndpoint = 32;
constexpr std::string_view kUserAgent = "Hilt-Webhooks/1";
// A sender keeps its last few connections open for the next delivery to the same endpoint, for a while
// shorter than common servers' keep-alive timeouts (node 5 s, Apache 5 s, nginx 75 s).
constexpr std::size_t kKeptPerSender = 4;
constexpr auto kKeptIdle = std::chrono::seconds(2);
// How long the recorder waits for busy senders to finish more attempts before it writes what it has.
constexpr auto kRecordGather = std::chrono::milliseconds(5);

// delay scaled by a factor in [0.75, 1]: receivers that failed together do not all retry together, and the
// schedule's total is never exceeded.
std::int64_t jittered(milliseconds delay) {
    thread_local std::mt19937_64 random = [] {
        const auto seed = random_array<8>();
        std::uint64_t value = 0;
        for (const auto byte : seed) value = (value << 8) | byte;
        return std::mt19937_64(value);
    }();
    std::uniform_real_distribution<double> factor(0.75, 1.0);
    return static_cast<std::int64_t>(static_cast<double>(delay.count()) * factor(random));
}

}  // namespace

// One sender's open connections, by where they go: scheme, host, port and the address the URL policy
// allowed (a name that now resolves elsewhere gets a new connection). Most recently used last.
struct WebhookWorker::Connections {
    struct Kept {
        std::string key;
        std::unique_ptr<httplib::ClientImpl> client;
        Steady::time_point last_used;
    };
    std::vector<Kept> kept;

    std::unique_ptr<httplib::ClientImpl> take(const std::string& key, Steady::time_point now) {
        std::erase_if(kept, [now](const Kept& k) { return now - k.last_used >= kKeptIdle; });
        const auto found = std::find_if(kept.begin(), kept.end(), [&key](const Kept& k) { return k.key == key; });
        if (found == kept.end()) return nullptr;
        auto client = std::move(found->client);
        kept.erase(found);
        return client;
    }
    void keep(std::string key, std::unique_ptr<httplib::ClientImpl> client, Steady::time_point now) {
        kept.push_back({std::move(key), std::move(client), now});
        if (kept.size() > kKeptPerSender) kept.erase(kept.begin());
    }
};

std::vector<milliseconds> default_webhook_retry_delays() {
    using namespace std::chrono_literals;
    return {5s, 5min, 30min, 2h, 5h, 10h, 14h, 20h, 20h};
}

WebhookWorker::WebhookWorker(WebhookStore& store, const Clock& clock, const Ed25519Keypair& signing_key,
                             WebhookOptions options)
    : store_(store), clock_(clock), signing_key_(signing_key), options_(std::move(options)) {}

WebhookWorker::~WebhookWorker() { stop(); }

void WebhookWorker::start() {
    std::lock_guard lock(mutex_);
    if (running_) return;
    running_ = true;
    stopping_ = false;
    senders_done_ = false;
    dispatcher_ = std::thread([this] { dispatch_loop(); });
    recorder_ = std::thread([this] { record_loop(); });
    for (std::size_t i = 0; i < std::max<std::size_t>(options_.threads, 1); ++i) {
        senders_.emplace_back([this] { send_loop(); });
    }
}

void WebhookWorker::stop() {
    {
        std::lock_guard lock(mutex_);
        if (!running_) return;
        stopping_ = true;
        for (auto* connection : connections_) connection->stop();
    }
    dispatch_wake_.notify_all();
    send_wake_.notify_all();
    if (dispatcher_.joinable()) dispatcher_.join();
    for (auto& sender : senders_) sender.join();
    // Attempts that finished are written before the worker ends: a restart does not send them again.
    {
        std::lock_guard lock(mutex_);
        senders_done_ = true;
    }
    record_wake_.notify_all();
    if (recorder_.joinable()) recorder_.join();
    std::lock_guard lock(mutex_);
    senders_.clear();
    queue_.clear();
    backlog_.clear();
    unread_.clear();
    in_flight_.clear();
    unrecorded_.clear();
    finished_at_.clear();
    endpoint_in_flight_.clear();
    running_ = false;
}

void WebhookWorker::poke() {
    {
        std::lock_guard lock(mutex_);
        poked_ = true;
    }
    dispatch_wake_.notify_one();
}

std::size_t WebhookWorker::cap_for(const std::string& endpoint_id) const {
    return failing_endpoints_.contains(endpoint_id) ? 1 : std::max<std::size_t>(options_.per_endpoint, 1);
}

void WebhookWorker::dispatch_loop() {
    std::unique_lock lock(mutex_);
    auto next_read = Steady::now();  // at once
    while (!stopping_) {
        if (poked_ || Steady::now() >= next_read) {
            poked_ = false;
            read_outbox_locked(lock);
            next_read = Steady::now() + options_.poll_interval;
        }
        wake_sender_locked();
        // While deliveries wait in the queue, look again within the ramp delay: senders stuck in slow attempts
        // get another sender beside them then. With none idle there is none to wake (and none goes idle while
        // the queue has deliveries): the first to finish takes the next.
        ramp_watch_ = !queue_.empty() && idle_senders_ > 0;
        const auto until = ramp_watch_ ? std::min(next_read, Steady::now() + options_.ramp_delay) : next_read;
        dispatch_wake_.wait_until(lock, until, [this] { return stopping_ || poked_ || ramp_check_; });
        ramp_check_ = false;
    }
}

void WebhookWorker::read_outbox_locked(std::unique_lock<std::mutex>& lock) {
    // The outbox is read without the lock, so a sender may finish one of the rows read meanwhile: its row as
    // read is stale (still due), and sending it again would deliver twice. Rows that finished after this point
    // are skipped below; those that finished before it are read as they now are.
    const std::uint64_t read_from = finished_seq_;
    std::erase_if(finished_at_, [read_from](const auto& entry) { return entry.second <= read_from; });
    lock.unlock();
    const std::size_t window = std::max<std::size_t>(kReadPerEndpoint, options_.per_endpoint);
    auto due = store_.due(clock_.now_ms(), window, kDueBatch);
    lock.lock();
    if (!due) return;
    // The backlog is rebuilt from what the outbox says now: rows of deleted endpoints and rows already sent
    // drop out of it here.
    backlog_.clear();
    unread_.clear();
    read_cut_ = due->size() >= kDueBatch;
    std::map<std::string, std::size_t> read;
    for (auto& delivery : *due) {
        if (++read[delivery.endpoint_id] >= window) unread_.insert(delivery.endpoint_id);
        const auto key = std::make_pair(delivery.event_id, delivery.endpoint_id);
        if (in_flight_.contains(key) || finished_at_.contains(key)) continue;
        backlog_[delivery.endpoint_id].push_back(std::move(delivery));
    }
    for (const auto& [endpoint_id, count] : read) start_backlog_locked(endpoint_id, nullptr);
}

void WebhookWorker::wake_sender_locked() {
    if (queue_.empty()) return;
    // A sender is on its way to the queue if one is awake and one took from it within the ramp delay; otherwise
    // the queue waits on slow attempts (or on no one): one more sender. Fast receivers are thus served by one
    // or two senders in turn, and slow ones by as many as they keep busy.
    const auto now = Steady::now();
    const bool awake = idle_senders_ < senders_.size();
    if (awake && now - last_take_ < options_.ramp_delay) return;
    if (idle_senders_ == 0) return;  // every sender is in an attempt: the first to finish takes the next
    last_take_ = now;                // counted from its wake: one more sender per ramp delay, no more
    send_wake_.notify_one();
}

std::size_t WebhookWorker::start_backlog_locked(const std::string& endpoint_id, std::optional<DueDelivery>* next) {
    const auto pending = backlog_.find(endpoint_id);
    if (pending == backlog_.end()) return 0;
    std::size_t queued = 0;
    auto& busy = endpoint_in_flight_[endpoint_id];
    while (!pending->second.empty() && busy < cap_for(endpoint_id)) {
        DueDelivery delivery = std::move(pending->second.front());
        pending->second.pop_front();
        ++busy;
        in_flight_.emplace(delivery.event_id, delivery.endpoint_id);
        if (next && !*next) {
            *next = std::move(delivery);
        } else {
            queue_.push_back(std::move(delivery));
            ++queued;
        }
    }
    if (busy == 0) endpoint_in_flight_.erase(endpoint_id);
    if (pending->second.empty()) backlog_.erase(pending);
    return queued;
}

void WebhookWorker::send_loop() {
    Connections connections;
    WebhookSigner signer(signing_key_);
    std::unique_lock lock(mutex_);
    std::optional<DueDelivery> next;
    for (;;) {
        if (!next) {
            if (queue_.empty()) {
                // The last sender to go idle ends the recorder's gathering.
                if (++idle_senders_ == senders_.size() && recorder_gathering_) record_wake_.notify_one();
                send_wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
                --idle_senders_;
            }
            if (stopping_) return;
            next = std::move(queue_.front());
            queue_.pop_front();
            last_take_ = Steady::now();
        }
        const DueDelivery delivery = std::move(*next);
        next.reset();
        lock.unlock();
        std::optional<AttemptRecord> record;
        if (auto message = store_.message(delivery.event_id, delivery.endpoint_id, clock_.now_ms())) {
            record = attempt(delivery, *message, connections, signer);
        }
        lock.lock();
        const bool attempted = record.has_value();
        if (attempted) {
            if (record->next_status != models::WebhookDeliveryStatus::Delivered) {
                failing_endpoints_.insert(delivery.endpoint_id);
            } else {
                failing_endpoints_.erase(delivery.endpoint_id);
            }
        }
        if (stopping_ || !record) {
            // An attempt stop() aborted is not the receiver's failure: it stays due, as it was. Without a message
            // the endpoint was deleted since the read (its deliveries are cancelled) or the read failed (the
            // delivery stays due for the next poll).
            in_flight_.erase({delivery.event_id, delivery.endpoint_id});
        } else {
            // The recorder writes it; the row stays in flight (skipped by outbox reads) until it has.
            unrecorded_.push_back(std::move(*record));
            if (!recorder_gathering_) record_wake_.notify_one();
        }
        if (auto busy = endpoint_in_flight_.find(delivery.endpoint_id); busy != endpoint_in_flight_.end()) {
            if (--busy->second == 0) endpoint_in_flight_.erase(busy);
        }
        if (stopping_) return;
        // The endpoint's next due row, from the backlog: this sender sends it, others take any the cap now
        // allows besides (a recovered endpoint goes from one in flight back to per_endpoint).
        if (start_backlog_locked(delivery.endpoint_id, &next) > 0 && !ramp_watch_) {
            // The dispatcher sleeps until its next read: it should watch the queue instead.
            ramp_check_ = true;
            dispatch_wake_.notify_one();
        }
        // Its backlog ran dry and the last read may have left some unread: read the outbox again. Not after a
        // message that could not be read (a database error would make that a busy loop): the next poll reads.
        if (attempted && !backlog_.contains(delivery.endpoint_id) &&
            (read_cut_ || unread_.contains(delivery.endpoint_id))) {
            unread_.erase(delivery.endpoint_id);
            read_cut_ = false;
            poked_ = true;
            dispatch_wake_.notify_one();
        }
    }
}

void WebhookWorker::record_loop() {
    std::unique_lock lock(mutex_);
    for (;;) {
        record_wake_.wait(lock, [this] { return senders_done_ || !unrecorded_.empty(); });
        if (unrecorded_.empty()) return;
        // Senders working through a burst finish one attempt after another: what they finish until they are
        // all idle (or for kRecordGather at most) goes in the same write, one commit and one flush for the lot.
        recorder_gathering_ = true;
        record_wake_.wait_for(lock, kRecordGather,
                              [this] { return senders_done_ || idle_senders_ == senders_.size(); });
        recorder_gathering_ = false;
        std::vector<AttemptRecord> batch;
        batch.swap(unrecorded_);
        lock.unlock();
        const auto recorded = store_.record_attempts(batch, clock_.now_ms());
        (void)recorded;  // a failed write leaves the deliveries PENDING and due: they are simply tried again
        lock.lock();
        for (const auto& record : batch) {
            const auto key = std::make_pair(record.event_id, record.endpoint_id);
            in_flight_.erase(key);
            finished_at_[key] = ++finished_seq_;
        }
    }
}

AttemptRecord WebhookWorker::attempt(const DueDelivery& delivery, const DeliveryMessage& message,
                                     Connections& connections, WebhookSigner& signer) {
    AttemptRecord record;
    record.event_id = delivery.event_id;
    record.endpoint_id = delivery.endpoint_id;
    record.schedule = delivery.schedule;
    record.attempts_before = delivery.attempts;
    auto& attempt = record.attempt;
    attempt.attempted_at_ms = clock_.now_ms();
    const auto started = Steady::now();

    const auto send = [&]() -> Status {
        auto target = parse_webhook_url(message.url, options_.allow_loopback);
        if (!target) return target.error();
        auto address = resolve_webhook_target(*target, options_.allow_loopback);
        if (!address) return address.error();
        // Wall-clock time, whatever clock schedules the attempts: receivers compare it with their own to
        // refuse replays, and a sandbox test clock runs ahead of theirs.
        const std::int64_t timestamp = std::chrono::duration_cast<std::chrono::seconds>(
                                           std::chrono::system_clock::now().time_since_epoch())
                                           .count();
        auto signature = signer.header(delivery.event_id, timestamp, message.body, message.secrets);
        if (!signature) return signature.error();

        const auto open = [&] {
            std::unique_ptr<httplib::ClientImpl> connection;
            if (target->https) {
                auto tls = std::make_unique<httplib::SSLClient>(target->host, target->port);
                configure_tls(*tls, target->host, options_.ca_file);
                connection = std::move(tls);
            } else {
                connection = std::make_unique<httplib::ClientImpl>(target->host, target->port);
            }
            connection->set_hostname_addr_map({{target->host, *address}});
            connection->set_follow_location(false);
            connection->set_keep_alive(true);
            // Headers and body go out in separate writes: without this, a kept connection's body waits
            // for the receiver's delayed ACK of the headers (40 ms on Linux).
            connection->set_tcp_nodelay(true);
            const auto seconds = [](milliseconds ms) {
                return std::make_pair(ms.count() / 1000, (ms.count() % 1000) * 1000);
            };
            const auto [connect_s, connect_us] = seconds(options_.connect_timeout);
            const auto [io_s, io_us] = seconds(options_.timeout);
            connection->set_connection_timeout(connect_s, connect_us);
            connection->set_read_timeout(io_s, io_us);
            connection->set_write_timeout(io_s, io_us);
            return connection;
        };
        const std::string key =
            (target->https ? "https://" : "http://") + target->host + ":" + std::to_string(target->port) + "@" + *address;
        auto connection = connections.take(key, started);
        bool reused = connection != nullptr;
        if (!connection) connection = open();

        httplib::Request request;
        request.method = "POST";
        request.path = target->path;
        request.headers = {{"Content-Type", "application/json"},
                           {"User-Agent", std::string(kUserAgent)},
                           {"webhook-id", delivery.event_id},
                           {"webhook-timestamp", std::to_string(timestamp)},
                           {"webhook-signature", *signature}};
        request.body = message.body;
        std::optional<int> status;
        std::string excerpt;
        request.response_handler = [&](const httplib::Response& response) {
            status = response.status;
            return true;
        };
        request.content_receiver = [&](const char* data, std::size_t length, std::uint64_t, std::uint64_t) {
            const std::size_t room = models::kMaxResponseExcerptBytes - excerpt.size();
            excerpt.append(data, std::min(room, length));
            // Enough of the answer, or too long spent on it: the status is already known.
            return excerpt.size() < models::kMaxResponseExcerptBytes && Steady::now() - started < options_.timeout;
        };
        for (;;) {
            {
                std::lock_guard lock(mutex_);
                if (stopping_) return fail(ErrorCode::EndpointUnreachable, "stopping");
                connections_.insert(connection.get());
            }
            httplib::Response response;
            httplib::Error error = httplib::Error::Success;
            const bool sent = connection->send(request, response, error);
            {
                std::lock_guard lock(mutex_);
                connections_.erase(connection.get());
            }
            if (status) {
                attempt.status_code = *status;
                if (!excerpt.empty()) attempt.response_excerpt = std::move(excerpt);
                // Read to its end: the connection can carry the endpoint's next delivery.
                if (sent) connections.keep(key, std::move(connection), Steady::now());
                return {};
            }
            // A kept connection the server closed as this request went out: once more on a new one
            // (receivers deduplicate on webhook-id, as for any retry).
            if (reused && (error == httplib::Error::Write || error == httplib::Error::Read ||
                           error == httplib::Error::Connection)) {
                reused = false;
                connection = open();
                continue;
            }
            return fail(ErrorCode::EndpointUnreachable,
                        sent ? std::string("no answer") : "no answer: " + httplib::to_string(error));
        }
    };
    if (auto sent = send(); !sent) attempt.error = sent.error().message;
    attempt.latency_ms = std::chrono::duration_cast<milliseconds>(Steady::now() - started).count();

    const bool delivered = attempt.status_code && *attempt.status_code >= 200 && *attempt.status_code < 300;
    if (delivered) {
        record.next_status = models::WebhookDeliveryStatus::Delivered;
    } else if (static_cast<std::size_t>(delivery.attempts) < options_.retry_delays.size()) {
        record.next_status = models::WebhookDeliveryStatus::Pending;
        record.next_attempt_at =
            clock_.now_ms() + jittered(options_.retry_delays[static_cast<std::size_t>(delivery.attempts)]);
    } else {
        record.next_status = models::WebhookDeliveryStatus::Failed;
    }
    return record;
}

}  // namespace hilt::server
