// bench/paced_get.cpp: an open-loop load generator: requests one URL (or a list of paths on one server, in
// turn) at a fixed total rate over a few kept-alive HTTP/1.1 connections and prints the latency distribution
// as one JSON line. GET by default; --method, --header and --body make it a light driver of other requests.
//
// wrk keeps every connection busy, so it measures a saturated server: on a small machine any other work
// (a webhook sender, a checkpoint) then shows up in the tail as time the requests wait for a core. At a
// fixed rate below saturation the tail shows what a buyer would see. Each latency runs from the time the
// request was due (not when a busy connection got round to sending it), so a stall counts for every request
// it held up ("coordinated omission" corrected).
// Owns: its connections only. Must never: send faster than asked to catch up, or drop a late answer.
//
// Usage: hilt_bench_paced_get --url http://127.0.0.1:PORT/path --rate 4000 [--connections 16] [--seconds 5]
//          [--paths FILE (one path per line, taken in turn)] [--method GET] [--header 'Name: value']...
//          [--body TEXT] [--latencies FILE]
// Prints {"requests", "errors", "rate", "seconds", "p50_ms", "p90_ms", "p99_ms", "p999_ms", "max_ms"}; with
// --latencies, also writes every answered request's latency to FILE, in microseconds, one per line, smallest
// first (so that a caller can pool the runs of several rounds).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <deque>
#include <fstream>
#include <string>
#include <vector>

namespace {

using Nanos = std::int64_t;

Nanos now_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<Nanos>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

int fail(const std::string& message) {
    std::fprintf(stderr, "hilt_bench_paced_get: %s\n", message.c_str());
    return 2;
}

struct Target {
    std::string host;
    int port = 80;
    std::string path;
};

bool parse_url(const std::string& url, Target& target) {
    const std::string scheme = "http://";
    if (url.rfind(scheme, 0) != 0) return false;
    const auto rest = url.substr(scheme.size());
    const auto slash = rest.find('/');
    const auto authority = rest.substr(0, slash);
    target.path = slash == std::string::npos ? "/" : rest.substr(slash);
    const auto colon = authority.rfind(':');
    target.host = authority.substr(0, colon);
    if (colon != std::string::npos) target.port = std::atoi(authority.substr(colon + 1).c_str());
    return !target.host.empty() && target.port > 0;
}

struct Connection {
    int fd = -1;
    // Requests assigned to this connection: when each was due and its number; the front one is in flight.
    std::deque<std::pair<Nanos, std::uint64_t>> due;
    bool sending = false;   // the front request is written (or being written) and its answer awaited
    std::string request;
    std::size_t written = 0;
    std::string answer;
};

class Generator {
public:
    // One request text per path, sent in turn.
    Generator(const Target& target, const std::vector<std::string>& paths, const std::string& method,
              const std::vector<std::string>& headers, const std::string& body, int connections)
        : target_(target), connections_(static_cast<std::size_t>(connections)) {
        for (const auto& path : paths) {
            std::string text = method + " " + path + " HTTP/1.1\r\nHost: " + target_.host + ":" +
                               std::to_string(target_.port) + "\r\nUser-Agent: hilt-paced-get\r\nAccept: */*\r\n";
            for (const auto& header : headers) text += header + "\r\n";
            if (!body.empty() || method != "GET") {
                text += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
            }
            requests_.push_back(text + "\r\n" + body);
        }
    }

    int run(double rate, double seconds, const std::string& latencies_file) {
        epoll_ = epoll_create1(0);
        timer_ = timerfd_create(CLOCK_MONOTONIC, 0);
        if (epoll_ < 0 || timer_ < 0) return fail("epoll/timerfd: " + std::string(std::strerror(errno)));
        epoll_event event{};
        event.events = EPOLLIN;
        event.data.u64 = kTimerTag;
        epoll_ctl(epoll_, EPOLL_CTL_ADD, timer_, &event);

        const Nanos start = now_ns() + 10'000'000;
        const auto total = static_cast<std::uint64_t>(rate * seconds);
        const auto interval = static_cast<Nanos>(1e9 / rate);
        std::uint64_t next = 0;
        const Nanos give_up = start + static_cast<Nanos>(seconds * 1e9) + 5'000'000'000;
        arm(start);
        while (completed_ + errors_ < total) {
            if (now_ns() > give_up) break;
            epoll_event events[64];
            const int ready = epoll_wait(epoll_, events, 64, 100);
            for (int i = 0; i < ready; ++i) {
                if (events[i].data.u64 == kTimerTag) {
                    std::uint64_t expirations = 0;
                    (void)!read(timer_, &expirations, sizeof expirations);
                    const Nanos now = now_ns();
                    while (next < total && start + static_cast<Nanos>(next) * interval <= now) {
                        auto& connection = connections_[next % connections_.size()];
                        connection.due.emplace_back(start + static_cast<Nanos>(next) * interval, next);
                        ++next;
                        if (!connection.sending) send_next(connection);
                    }
                    if (next < total) arm(start + static_cast<Nanos>(next) * interval);
                } else {
                    on_ready(connections_[events[i].data.u64]);
                }
            }
        }
        errors_ += total - completed_ - errors_;
        return report(rate, seconds, latencies_file);
    }

private:
    static constexpr std::uint64_t kTimerTag = ~std::uint64_t{0};

    void arm(Nanos when) {
        itimerspec spec{};
        spec.it_value.tv_sec = when / 1'000'000'000;
        spec.it_value.tv_nsec = when % 1'000'000'000;
        timerfd_settime(timer_, TFD_TIMER_ABSTIME, &spec, nullptr);
    }

    bool open(Connection& connection) {
        connection.fd = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(static_cast<std::uint16_t>(target_.port));
        if (inet_pton(AF_INET, target_.host.c_str(), &address.sin_addr) != 1) return false;
        // Blocking connect (loopback: immediate), then non-blocking I/O.
        if (connect(connection.fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
            close(connection.fd);
            connection.fd = -1;
            return false;
        }
        const int one = 1;
        setsockopt(connection.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        fcntl(connection.fd, F_SETFL, fcntl(connection.fd, F_GETFL, 0) | O_NONBLOCK);
        epoll_event event{};
        event.events = EPOLLIN;
        event.data.u64 = static_cast<std::uint64_t>(&connection - connections_.data());
        epoll_ctl(epoll_, EPOLL_CTL_ADD, connection.fd, &event);
        return true;
    }

    void drop(Connection& connection) {
        if (connection.fd >= 0) {
            epoll_ctl(epoll_, EPOLL_CTL_DEL, connection.fd, nullptr);
            close(connection.fd);
        }
        connection.fd = -1;
        connection.answer.clear();
    }

    void send_next(Connection& connection) {
        while (!connection.due.empty()) {
            if (connection.fd < 0 && !open(connection)) {
                connection.due.pop_front();
                ++errors_;
                continue;
            }
            connection.sending = true;
            connection.request = requests_[connection.due.front().second % requests_.size()];
            connection.written = 0;
            write_some(connection);
            return;
        }
        connection.sending = false;
    }

    void write_some(Connection& connection) {
        while (connection.written < connection.request.size()) {
            const auto n = ::send(connection.fd, connection.request.data() + connection.written,
                                  connection.request.size() - connection.written, MSG_NOSIGNAL);
            if (n < 0 && errno == EAGAIN) return;  // a GET's few bytes: the socket buffer has room in practice
            if (n <= 0) {
                retry(connection);
                return;
            }
            connection.written += static_cast<std::size_t>(n);
        }
    }

    // A write to a connection the server closed: the request goes again on a new one, its due time unchanged.
    void retry(Connection& connection) {
        drop(connection);
        send_next(connection);
    }

    void on_ready(Connection& connection) {
        char buffer[16384];
        const int fd = connection.fd;
        bool closed = false;
        for (;;) {
            const auto n = recv(connection.fd, buffer, sizeof buffer, 0);
            if (n > 0) {
                connection.answer.append(buffer, static_cast<std::size_t>(n));
                continue;
            }
            closed = !(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
            break;
        }
        take_answers(connection);
        if (!closed || connection.fd != fd) return;  // open, or already replaced after a "Connection: close"

        // Closed by the server (its keep-alive limit or timeout): a request it had not begun to answer goes
        // again on a new connection, its due time unchanged; a half answer is an error.
        const bool half = !connection.answer.empty();
        drop(connection);
        if (connection.sending && half) {
            connection.due.pop_front();
            ++errors_;
        }
        if (connection.sending) send_next(connection);
    }

    void take_answers(Connection& connection) {
        while (connection.sending) {
            const auto end = connection.answer.find("\r\n\r\n");
            if (end == std::string::npos) return;
            std::string head = connection.answer.substr(0, end);
            std::transform(head.begin(), head.end(), head.begin(), [](unsigned char c) { return std::tolower(c); });
            std::size_t length = 0;
            if (const auto at = head.find("\r\ncontent-length:"); at != std::string::npos) {
                length = std::strtoul(head.c_str() + at + 17, nullptr, 10);
            }
            if (connection.answer.size() < end + 4 + length) return;
            const int status = std::atoi(head.c_str() + 9);
            const bool closing = head.find("\r\nconnection: close") != std::string::npos;
            connection.answer.erase(0, end + 4 + length);
            const Nanos due = connection.due.front().first;
            connection.due.pop_front();
            if (status >= 200 && status < 400) {
                latencies_.push_back(now_ns() - due);
                ++completed_;
            } else {
                ++errors_;
            }
            if (closing) drop(connection);
            send_next(connection);
        }
    }

    int report(double rate, double seconds, const std::string& latencies_file) {
        std::sort(latencies_.begin(), latencies_.end());
        if (!latencies_file.empty()) {
            std::ofstream out(latencies_file);
            for (const Nanos latency : latencies_) out << latency / 1000 << '\n';
            if (!out.flush()) return fail("cannot write " + latencies_file);
        }
        const auto at = [this](double q) {
            if (latencies_.empty()) return 0.0;
            const auto index = std::min(latencies_.size() - 1, static_cast<std::size_t>(q * static_cast<double>(latencies_.size())));
            return static_cast<double>(latencies_[index]) / 1e6;
        };
        std::printf(
            "{\"requests\":%zu,\"errors\":%llu,\"rate\":%.0f,\"seconds\":%.1f,\"p50_ms\":%.3f,\"p90_ms\":%.3f,"
            "\"p99_ms\":%.3f,\"p999_ms\":%.3f,\"max_ms\":%.3f}\n",
            latencies_.size(), static_cast<unsigned long long>(errors_), rate, seconds, at(0.5), at(0.9), at(0.99),
            at(0.999), latencies_.empty() ? 0.0 : static_cast<double>(latencies_.back()) / 1e6);
        return errors_ == 0 ? 0 : 1;
    }

    Target target_;
    std::vector<Connection> connections_;
    std::vector<std::string> requests_;
    int epoll_ = -1;
    int timer_ = -1;
    std::uint64_t completed_ = 0;
    std::uint64_t errors_ = 0;
    std::vector<Nanos> latencies_;
};

}  // namespace

int main(int argc, char** argv) {
    std::string url;
    std::string paths_file;
    std::string method = "GET";
    std::vector<std::string> headers;
    std::string body;
    std::string latencies_file;
    double rate = 0;
    int connections = 16;
    double seconds = 5;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string name = argv[i];
        const std::string value = argv[i + 1];
        if (name == "--url") {
            url = value;
        } else if (name == "--paths") {
            paths_file = value;
        } else if (name == "--method") {
            method = value;
        } else if (name == "--header") {
            headers.push_back(value);
        } else if (name == "--body") {
            body = value;
        } else if (name == "--latencies") {
            latencies_file = value;
        } else if (name == "--rate") {
            rate = std::atof(value.c_str());
        } else if (name == "--connections") {
            connections = std::atoi(value.c_str());
        } else if (name == "--seconds") {
            seconds = std::atof(value.c_str());
        } else {
            return fail("unknown option " + name);
        }
    }
    Target target;
    if (!parse_url(url, target)) return fail("--url must be http://IPV4:PORT/path");
    if (rate <= 0 || connections <= 0 || seconds <= 0) return fail("--rate, --connections and --seconds must be > 0");
    std::vector<std::string> paths;
    if (paths_file.empty()) {
        paths.push_back(target.path);
    } else {
        std::ifstream in(paths_file);
        for (std::string line; std::getline(in, line);) {
            if (!line.empty()) paths.push_back(line);
        }
        if (paths.empty()) return fail("no paths in " + paths_file);
    }
    return Generator(target, paths, method, headers, body, connections).run(rate, seconds, latencies_file);
}
