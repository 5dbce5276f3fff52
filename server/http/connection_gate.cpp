// server/http/connection_gate.cpp: the poller that holds connections until a whole request is in, the
// request framing it judges by, and the stream httplib reads the request through.
#include "http/connection_gate.h"

#include <netdb.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <optional>

namespace hilt::server {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view kCrlf = "\r\n";
constexpr std::string_view kHeadEnd = "\r\n\r\n";
constexpr std::string_view kNoBody = "Content-Length: 0\r\n";
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
// Bytes asked of the socket per recv while the gate fills a connection's buffer.
constexpr std::size_t kReadChunkBytes = 4096;
// Chunk-size lines and trailers of a chunked body, beyond its data: generous for honest clients.
constexpr std::size_t kChunkFramingAllowance = 16 * 1024;
// How long a worker waits on a connection it just answered for that client's next request (work()).
constexpr std::chrono::milliseconds kLinger{10};
// The poller's longest sleep: how late it notices a stop when nothing else wakes it.
constexpr std::chrono::milliseconds kMaxPollWait{1000};
// The poller's longest sleep without its eventfd (eventfd failed): how late it sees an arrival then.
constexpr std::chrono::milliseconds kPollWaitWithoutWake{10};

bool wait_for(socket_t sock, short events, std::chrono::milliseconds timeout) {
    pollfd fd{sock, events, 0};
    for (;;) {
        const int ready = ::poll(&fd, 1, static_cast<int>(timeout.count()));
        if (ready < 0 && errno == EINTR) continue;
        return ready > 0;
    }
}

void address_of(socket_t sock, bool peer, std::string& ip, int& port) {
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    const int got = peer ? ::getpeername(sock, reinterpret_cast<sockaddr*>(&address), &length)
                         : ::getsockname(sock, reinterpret_cast<sockaddr*>(&address), &length);
    if (got != 0) return;
    char host[NI_MAXHOST];
    char service[NI_MAXSERV];
    if (::getnameinfo(reinterpret_cast<sockaddr*>(&address), length, host, sizeof host, service, sizeof service,
                      NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
        return;
    }
    ip = host;
    port = std::atoi(service);
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

std::string_view trimmed(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

// The poller's wake-up; without one (logged) it polls every kPollWaitWithoutWake instead.
int open_wake_fd() {
    const int fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fd < 0) {
        std::cerr << "hiltd gate: eventfd: " << std::strerror(errno) << "; polling every "
                  << kPollWaitWithoutWake.count() << " ms instead\n";
    }
    return fd;
}

// Over the cap: the kept-alive connections idle longest close first, then the requests that started first.
void shed(std::vector<std::unique_ptr<GatedConnection>>& waiting, std::size_t cap) {
    if (waiting.size() <= cap) return;
    const auto excess = static_cast<std::ptrdiff_t>(waiting.size() - cap);
    std::nth_element(waiting.begin(), waiting.begin() + excess, waiting.end(), [](const auto& a, const auto& b) {
        if (a->request_started != b->request_started) return !a->request_started;
        return a->deadline < b->deadline;
    });
    waiting.erase(waiting.begin(), waiting.begin() + excess);
}

std::optional<std::size_t> decimal(std::string_view text) {
    std::size_t value = 0;
    if (text.empty() || text.size() > 18) return std::nullopt;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return value;
}

}  // namespace

GatedConnection::GatedConnection(socket_t sock, std::chrono::milliseconds write_timeout)
    : sock_(sock), write_timeout_(write_timeout) {}

GatedConnection::~GatedConnection() {
    ::shutdown(sock_, SHUT_RDWR);
    ::close(sock_);
}

bool GatedConnection::is_readable() const { return offset_ < request_end_; }

bool GatedConnection::is_writable() const { return wait_for(sock_, POLLOUT, write_timeout_); }

// WARNING: never from the socket and never past the request the gate judged whole: where httplib would read
// further (it framed the request otherwise) it gets an error and answers 400, and no worker waits on a client.
// -1 rather than 0: httplib's line reader takes a line cut short by an end of stream as a whole line.
ssize_t GatedConnection::read(char* ptr, size_t size) {
    if (offset_ >= request_end_) return -1;
    const std::size_t n = std::min(size, request_end_ - offset_);
    std::memcpy(ptr, buffer_.data() + offset_, n);
    offset_ += n;
    return static_cast<ssize_t>(n);
}

ssize_t GatedConnection::write(const char* ptr, size_t size) {
    if (!is_writable()) return -1;
    return ::send(sock_, ptr, size, MSG_NOSIGNAL);
}

void GatedConnection::get_remote_ip_and_port(std::string& ip, int& port) const {
    address_of(sock_, true, ip, port);
}

void GatedConnection::get_local_ip_and_port(std::string& ip, int& port) const {
    address_of(sock_, false, ip, port);
}

bool GatedConnection::next_request() {
    // A body httplib did not read (a GET's; one the pre-routing handler refused) is skipped, never taken for the
    // client's next request.
    const bool head_read = offset_ >= head_end_;
    offset_ = head_read ? request_end_ : buffer_.size();
    if (offset_ == buffer_.size()) {
        buffer_.clear();
        offset_ = 0;
    }
    head_end_ = request_end_ = 0;
    scanned_ = head_size_ = body_length_ = chunk_at_ = chunk_total_ = 0;
    body_ = Body::Unknown;
    expects_continue_ = continue_sent_ = chunks_ended_ = false;
    return head_read;
}

GatedConnection::Fill GatedConnection::fill(std::size_t max_body_bytes) {
    if (offset_ > 0) {  // positions count from offset_: dropping consumed bytes moves none of them
        buffer_.erase(0, offset_);
        offset_ = 0;
    }
    // Never more than a whole head and body (with chunk framing) of one request.
    const std::size_t cap = kMaxRequestHeadBytes + max_body_bytes + kChunkFramingAllowance + 1;
    for (;;) {
        const std::size_t held = buffer_.size();
        if (held >= cap) {  // the socket may hold more: never NeedMore here, or poll spins on it
            const Fill judged = judge(max_body_bytes);
            return judged == Fill::NeedMore ? Fill::BodyTooLarge : judged;
        }
        buffer_.resize(held + std::min(cap - held, kReadChunkBytes));
        const ssize_t got = ::recv(sock_, buffer_.data() + held, buffer_.size() - held, MSG_DONTWAIT);
        const int error = errno;  // before judge(), which may send a 100 Continue
        buffer_.resize(held + (got > 0 ? static_cast<std::size_t>(got) : 0));
        if (got > 0) continue;
        if (got < 0 && error == EINTR) continue;
        const Fill judged = judge(max_body_bytes);
        if (judged != Fill::NeedMore) return judged;
        if (got == 0 || (error != EAGAIN && error != EWOULDBLOCK)) return Fill::Closed;
        return Fill::NeedMore;
    }
}

GatedConnection::Fill GatedConnection::judge(std::size_t max_body_bytes) {
    if (head_size_ == 0) {
        const std::string_view bytes = unread();
        // Every CR must start a CRLF and every LF end one (httplib ends a line at a bare LF); the first
        // CRLF CRLF ends the head. Resumes where the last call stopped (at a CR whose next byte was missing).
        std::size_t at = scanned_;
        for (; at < bytes.size(); ++at) {
            if (bytes[at] == '\r') {
                if (at + 1 == bytes.size()) break;
                if (bytes[at + 1] != '\n') return Fill::Malformed;
            } else if (bytes[at] == '\n') {
                if (at == 0 || bytes[at - 1] != '\r') return Fill::Malformed;
                if (at + 1 >= kHeadEnd.size() && bytes.substr(at + 1 - kHeadEnd.size(), kHeadEnd.size()) == kHeadEnd) {
                    head_size_ = at + 1;
                    break;
                }
            }
        }
        scanned_ = at;
        if (head_size_ == 0) return bytes.size() > kMaxRequestHeadBytes ? Fill::HeadTooLarge : Fill::NeedMore;
        if (head_size_ > kMaxRequestHeadBytes) return Fill::HeadTooLarge;
        if (const Fill framed = frame(max_body_bytes); framed != Fill::NeedMore) return framed;
    }
    switch (body_) {
        case Body::None: return ready(head_size_);
        case Body::Length:
            if (pending() >= head_size_ + body_length_) return ready(head_size_ + body_length_);
            send_continue_once();
            return Fill::NeedMore;
        case Body::Chunked: return scan_chunks(max_body_bytes);
        case Body::Unknown: break;
    }
    return Fill::Malformed;
}

GatedConnection::Fill GatedConnection::ready(std::size_t request_size) {
    head_end_ = offset_ + head_size_;
    request_end_ = offset_ + request_size;
    return Fill::Ready;
}

// Reads the head's framing headers; NeedMore means "framed, now judge the body".
GatedConnection::Fill GatedConnection::frame(std::size_t max_body_bytes) {
    const std::string_view head = unread().substr(0, head_size_);
    std::optional<std::size_t> length;
    bool chunked = false;
    std::size_t line = head.find(kCrlf) + kCrlf.size();  // past the request line
    while (line < head.size()) {
        const std::size_t end = head.find(kCrlf, line);
        const std::string_view text = head.substr(line, end - line);
        line = end + kCrlf.size();
        const std::size_t colon = text.find(':');
        if (colon == std::string_view::npos) continue;  // httplib skips such lines too
        const std::string_view name = text.substr(0, colon);
        const std::string_view value = trimmed(text.substr(colon + 1));
        if (iequals(name, "Content-Length")) {
            const auto parsed = decimal(value);
            if (!parsed || (length && *length != *parsed)) return Fill::Malformed;
            length = parsed;
        } else if (iequals(name, "Transfer-Encoding")) {
            if (chunked || !iequals(value, "chunked")) return Fill::Malformed;
            chunked = true;
        } else if (iequals(name, "Expect")) {
            expects_continue_ = iequals(value, "100-continue");
        }
    }
    if (chunked && length) return Fill::Malformed;  // the request-smuggling shape: which framing counts?
    if (chunked) {
        body_ = Body::Chunked;
        chunk_at_ = head_size_;
    } else if (length) {
        if (*length > max_body_bytes) return Fill::BodyTooLarge;
        body_ = Body::Length;
        body_length_ = *length;
    } else {
        // No body (RFC 9112 6.3), said in the words httplib 0.11 understands: before the blank line.
        buffer_.insert(offset_ + head_size_ - kCrlf.size(), kNoBody);
        head_size_ += kNoBody.size();
        scanned_ += kNoBody.size();
        body_ = Body::None;
    }
    return Fill::NeedMore;
}

GatedConnection::Fill GatedConnection::scan_chunks(std::size_t max_body_bytes) {
    const std::string_view bytes = unread();
    for (;;) {
        const std::size_t end = bytes.find(kCrlf, chunk_at_);
        if (end == std::string_view::npos) {
            if (bytes.size() - chunk_at_ > kChunkFramingAllowance) return Fill::Malformed;
            send_continue_once();
            return Fill::NeedMore;
        }
        const std::string_view line = bytes.substr(chunk_at_, end - chunk_at_);
        if (line.find_first_of("\r\n") != std::string_view::npos) return Fill::Malformed;  // a bare CR or LF
        if (chunks_ended_) {  // trailer lines, then the blank line that ends the request
            chunk_at_ = end + kCrlf.size();
            if (line.empty()) return ready(chunk_at_);
            continue;
        }
        const std::string_view digits = trimmed(line.substr(0, line.find(';')));
        std::size_t size = 0;
        const auto [stop, error] = std::from_chars(digits.data(), digits.data() + digits.size(), size, 16);
        if (digits.empty() || digits.size() > 15 || error != std::errc{} || stop != digits.data() + digits.size()) {
            return Fill::Malformed;
        }
        if (chunk_total_ + size > max_body_bytes) return Fill::BodyTooLarge;
        if (size == 0) {
            chunks_ended_ = true;
            chunk_at_ = end + kCrlf.size();
            continue;
        }
        const std::size_t next = end + kCrlf.size() + size + kCrlf.size();
        if (bytes.size() < next) {
            send_continue_once();
            return Fill::NeedMore;
        }
        if (bytes.substr(next - kCrlf.size(), kCrlf.size()) != kCrlf) return Fill::Malformed;  // data, then CRLF
        chunk_total_ += size;
        chunk_at_ = next;
    }
}

void GatedConnection::send_continue_once() {
    if (!expects_continue_ || continue_sent_) return;
    continue_sent_ = true;
    // httplib answers the same Expect again when it reads the head: clients take any number of 1xx.
    [[maybe_unused]] const auto sent = ::send(sock_, kContinue.data(), kContinue.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
}

ConnectionGate::ConnectionGate(GateLimits limits, Serve serve, Refusal refusal)
    : limits_(limits),
      serve_(std::move(serve)),
      refusal_(std::move(refusal)),
      wake_fd_(open_wake_fd()),
      workers_(limits.workers) {
    poller_ = std::thread([this] { poll_loop(); });
}

ConnectionGate::~ConnectionGate() {
    shutdown();
    if (wake_fd_ >= 0) ::close(wake_fd_);
}

void ConnectionGate::admit(socket_t sock) {
    auto connection = std::make_unique<GatedConnection>(sock, limits_.write_timeout);
    connection->deadline = Clock::now() + limits_.request_timeout;
    connection->request_started = true;
    hand_over(std::move(connection));
}

void ConnectionGate::shutdown() {
    if (stopping_.exchange(true)) return;
    wake();
    if (poller_.joinable()) poller_.join();
    workers_.shutdown();  // runs what is queued: those jobs see stopping_ and close their connections
    std::lock_guard lock(mutex_);
    arrivals_.clear();
}

void ConnectionGate::hand_over(std::unique_ptr<GatedConnection> connection) {
    if (stopping_) return;  // closes it
    {
        std::lock_guard lock(mutex_);
        arrivals_.push_back(std::move(connection));
    }
    wake();
}

void ConnectionGate::wake() {
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto written = ::write(wake_fd_, &one, sizeof one);
}

void ConnectionGate::refuse(GatedConnection& connection, int status) {
    const auto answer = refusal_(status);
    [[maybe_unused]] const auto sent =
        ::send(connection.socket(), answer.data(), answer.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
}

void ConnectionGate::route(std::unique_ptr<GatedConnection> connection, GatedConnection::Fill fill) {
    using Fill = GatedConnection::Fill;
    switch (fill) {
        case Fill::Ready: {
            // ThreadPool runs every queued job, even at shutdown: the pointer is never lost.
            GatedConnection* job = connection.release();
            workers_.enqueue([this, job] { work(std::unique_ptr<GatedConnection>(job)); });
            return;
        }
        case Fill::NeedMore: hand_over(std::move(connection)); return;
        case Fill::Malformed: refuse(*connection, 400); return;
        case Fill::HeadTooLarge: refuse(*connection, 431); return;
        case Fill::BodyTooLarge: refuse(*connection, 413); return;
        case Fill::Closed: return;
    }
}

void ConnectionGate::poll_loop() {
    using Fill = GatedConnection::Fill;
    std::vector<std::unique_ptr<GatedConnection>> waiting;
    std::vector<pollfd> fds;
    bool poll_failing = false;
    while (!stopping_) {
        {
            std::lock_guard lock(mutex_);
            for (auto& connection : arrivals_) waiting.push_back(std::move(connection));
            arrivals_.clear();
        }
        shed(waiting, limits_.max_held_connections);
        auto now = Clock::now();
        auto wait = wake_fd_ >= 0 ? kMaxPollWait : kPollWaitWithoutWake;
        fds.assign(1, pollfd{wake_fd_, POLLIN, 0});
        for (const auto& connection : waiting) {
            fds.push_back(pollfd{connection->socket(), POLLIN, 0});
            const auto left = std::chrono::ceil<std::chrono::milliseconds>(connection->deadline - now);
            wait = std::clamp(left, std::chrono::milliseconds(0), wait);
        }
        const int ready = ::poll(fds.data(), fds.size(), static_cast<int>(wait.count()));
        if (ready < 0) {
            // Nothing is known to be readable; deadlines still apply. Logged once per run of failures (ENOMEM).
            const int error = errno;
            for (auto& fd : fds) fd.revents = 0;
            if (error != EINTR && !poll_failing) std::cerr << "hiltd gate: poll: " << std::strerror(error) << "\n";
            poll_failing = error != EINTR;
            if (poll_failing) std::this_thread::sleep_for(kPollWaitWithoutWake);
        } else {
            poll_failing = false;
        }
        if (fds[0].revents & POLLIN) {
            std::uint64_t count = 0;
            [[maybe_unused]] const auto drained = ::read(wake_fd_, &count, sizeof count);
        }
        now = Clock::now();
        // Walk backwards so that a removal (swap with the last) never skips an unvisited connection.
        for (std::size_t i = waiting.size(); i-- > 0;) {
            auto& connection = waiting[i];
            Fill fill = Fill::NeedMore;
            if (fds[i + 1].revents != 0) {
                fill = connection->fill(limits_.max_body_bytes);
                if (fill == Fill::NeedMore && !connection->request_started) {
                    connection->request_started = true;  // the keep-alive wait ends with the first byte
                    connection->deadline = now + limits_.request_timeout;
                }
            }
            if (fill == Fill::NeedMore && now < connection->deadline) continue;
            if (fill != Fill::NeedMore) route(std::move(connection), fill);
            std::swap(waiting[i], waiting.back());
            waiting.pop_back();  // routed, or closed at its deadline
        }
    }
    waiting.clear();
}

void ConnectionGate::work(std::unique_ptr<GatedConnection> connection) {
    using Fill = GatedConnection::Fill;
    busy_ += 1;
    while (!stopping_) {
        if (!serve_(*connection) || !connection->next_request()) break;
        auto fill = connection->judge(limits_.max_body_bytes);
        // A client that keeps its connection busy (nginx's upstream pool, a polling page) usually sends its
        // next request within a round trip: wait for it here briefly, while most workers are free, instead
        // of a trip through the poller per request (scripts/bench: a third of the throughput otherwise).
        // A lingering worker takes only whole requests and gives the connection back after kLinger, so an
        // idle or trickling client costs a worker at most kLinger after each whole request it sent.
        const auto linger_end = Clock::now() + kLinger;
        while (fill == Fill::NeedMore && busy_ * 4 < limits_.workers * 3) {
            const auto left = std::chrono::ceil<std::chrono::milliseconds>(linger_end - Clock::now());
            if (left.count() <= 0 || !wait_for(connection->socket(), POLLIN, left)) break;
            fill = connection->fill(limits_.max_body_bytes);
        }
        if (fill == Fill::Ready) continue;  // answer it on this worker
        // Back to the poller until the next request is in (or refused at once).
        connection->request_started = connection->has_buffered_bytes();
        connection->deadline =
            Clock::now() + (connection->request_started ? limits_.request_timeout : limits_.keep_alive_timeout);
        route(std::move(connection), fill);
        break;
    }
    busy_ -= 1;
}

}  // namespace hilt::server
