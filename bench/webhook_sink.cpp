// bench/webhook_sink.cpp: the merchants' webhook receivers for bench/webhook_deliveries.mjs: a bare HTTP/1.1
// server that answers every POST with 200 {"ok":true} and counts them.
//
// The receivers stand for merchants' servers, which run on other machines: on a 2-core machine this one shares
// the cores with hiltd and the load, and whatever CPU it takes is measured as hiltd's cost. So it is as light
// as a receiver can be: one thread, one epoll loop, no timers. (A cpp-httplib server, its first form, polled
// every kept-alive connection every 10 ms from a thread of its own: on this VM that took about half a core
// while hiltd delivered 200 webhooks per second over 16 kept connections, and none while it did not.) It
// checks no signature (the tests do that, tests/support/webhook_receiver.mjs) and understands only what
// hiltd's sender sends: requests with a Content-Length body (or none), kept alive unless "Connection: close".
// Must never: be used outside scripts/bench.
//
// Usage: hilt_bench_webhook_sink [--host 127.0.0.1]
// Prints "sink PORT" once it accepts connections; GET /count answers {"received": N}; stops on SIGINT or
// SIGTERM.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <string_view>

namespace {

// A request head longer than this is not hiltd's: the connection is closed.
constexpr std::size_t kMaxHead = 64 * 1024;
constexpr std::size_t kMaxBody = 1024 * 1024;

int fail(const std::string& message) {
    std::fprintf(stderr, "hilt_bench_webhook_sink: %s: %s\n", message.c_str(), std::strerror(errno));
    return 2;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

struct Connection {
    std::string in;
    std::string out;
    bool close_after = false;
};

struct Head {
    std::string_view method;
    std::string_view path;
    std::size_t length = 0;  // of the body
    bool close = false;
    bool valid = false;
};

// The request line and the two headers that matter, from `head` (without its blank line).
Head parse_head(std::string_view head) {
    Head parsed;
    const auto line_end = head.find("\r\n");
    const std::string_view line = head.substr(0, line_end);
    const auto space = line.find(' ');
    const auto second = line.find(' ', space + 1);
    if (space == std::string_view::npos || second == std::string_view::npos) return parsed;
    parsed.method = line.substr(0, space);
    parsed.path = line.substr(space + 1, second - space - 1);
    std::size_t at = line_end == std::string_view::npos ? head.size() : line_end + 2;
    while (at < head.size()) {
        auto end = head.find("\r\n", at);
        if (end == std::string_view::npos) end = head.size();
        const std::string_view header = head.substr(at, end - at);
        at = end + 2;
        const auto colon = header.find(':');
        if (colon == std::string_view::npos) continue;
        const std::string_view name = header.substr(0, colon);
        std::string_view value = header.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        if (iequals(name, "Content-Length")) {
            parsed.length = std::strtoull(std::string(value).c_str(), nullptr, 10);
        } else if (iequals(name, "Connection")) {
            parsed.close = iequals(value, "close");
        } else if (iequals(name, "Transfer-Encoding")) {
            return parsed;  // chunked bodies: not hiltd's
        }
    }
    parsed.valid = parsed.length <= kMaxBody;
    return parsed;
}

std::string response(std::string_view body) {
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n\r\n" + std::string(body);
}

// Answers every complete request in `connection.in`. False: the connection is to be closed.
bool answer(Connection& connection, long long& received) {
    for (;;) {
        const auto head_end = connection.in.find("\r\n\r\n");
        if (head_end == std::string::npos) return connection.in.size() <= kMaxHead;
        const Head head = parse_head(std::string_view(connection.in).substr(0, head_end));
        if (!head.valid) return false;
        const std::size_t total = head_end + 4 + head.length;
        if (connection.in.size() < total) return true;  // the body is still on its way
        if (head.method == "POST") {
            ++received;
            connection.out += response("{\"ok\":true}");
        } else if (head.method == "GET" && head.path == "/count") {
            connection.out += response("{\"received\":" + std::to_string(received) + "}");
        } else {
            connection.out += "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
        }
        connection.in.erase(0, total);
        if (head.close) {
            connection.close_after = true;
            return true;
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    std::string host = "127.0.0.1";
    for (int i = 1; i < argc; i += 2) {
        if (i + 1 < argc && std::string_view(argv[i]) == "--host") {
            host = argv[i + 1];
        } else {
            std::fprintf(stderr, "hilt_bench_webhook_sink: usage: [--host H]\n");
            return 2;
        }
    }

    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    sigprocmask(SIG_BLOCK, &stop_signals, nullptr);
    signal(SIGPIPE, SIG_IGN);
    const int stop_fd = signalfd(-1, &stop_signals, SFD_CLOEXEC);

    const int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (listener < 0 || stop_fd < 0) return fail("socket");
    int yes = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    if (inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1) return fail("--host " + host);
    socklen_t length = sizeof address;
    if (bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        listen(listener, 1024) != 0 ||  // sixteen senders connecting at once lose no SYN
        getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        return fail("bind " + host);
    }

    const int epoll = epoll_create1(EPOLL_CLOEXEC);
    if (epoll < 0) return fail("epoll");
    const auto watch = [epoll](int fd, std::uint32_t events, int op) {
        epoll_event event{};
        event.events = events;
        event.data.fd = fd;
        return epoll_ctl(epoll, op, fd, &event) == 0;
    };
    watch(listener, EPOLLIN, EPOLL_CTL_ADD);
    watch(stop_fd, EPOLLIN, EPOLL_CTL_ADD);
    std::printf("sink %d\n", ntohs(address.sin_port));
    std::fflush(stdout);

    std::map<int, Connection> connections;
    long long received = 0;
    const auto close_connection = [&connections](int fd) {
        connections.erase(fd);
        close(fd);
    };
    // Writes what is waiting; watches for room when the socket is full. False: closed.
    const auto flush = [&](int fd, Connection& connection) {
        while (!connection.out.empty()) {
            const auto sent = send(fd, connection.out.data(), connection.out.size(), MSG_NOSIGNAL);
            if (sent < 0 && errno == EINTR) continue;
            if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                watch(fd, EPOLLIN | EPOLLOUT, EPOLL_CTL_MOD);
                return true;
            }
            if (sent <= 0) {
                close_connection(fd);
                return false;
            }
            connection.out.erase(0, static_cast<std::size_t>(sent));
        }
        if (connection.close_after) {
            close_connection(fd);
            return false;
        }
        watch(fd, EPOLLIN, EPOLL_CTL_MOD);
        return true;
    };

    epoll_event events[64];
    for (;;) {
        const int ready = epoll_wait(epoll, events, 64, -1);
        if (ready < 0 && errno == EINTR) continue;
        if (ready < 0) return fail("epoll_wait");
        for (int i = 0; i < ready; ++i) {
            const int fd = events[i].data.fd;
            if (fd == stop_fd) return 0;
            if (fd == listener) {
                for (;;) {
                    const int client = accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
                    if (client < 0) break;
                    setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
                    connections[client];
                    watch(client, EPOLLIN, EPOLL_CTL_ADD);
                }
                continue;
            }
            const auto found = connections.find(fd);
            if (found == connections.end()) continue;
            Connection& connection = found->second;
            if (events[i].events & EPOLLOUT) {
                if (!flush(fd, connection)) continue;
            }
            if (!(events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) continue;
            char buffer[16 * 1024];
            bool open = true;
            for (;;) {
                const auto got = recv(fd, buffer, sizeof buffer, 0);
                if (got > 0) {
                    connection.in.append(buffer, static_cast<std::size_t>(got));
                    continue;
                }
                if (got < 0 && errno == EINTR) continue;
                open = got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);  // 0: the peer closed
                break;
            }
            if (!answer(connection, received)) open = false;
            if (!connection.out.empty() && open) {
                flush(fd, connection);
            } else if (!open) {
                close_connection(fd);
            }
        }
    }
}
