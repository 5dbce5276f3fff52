// bench/bare_http_server.cpp: the baseline for hiltd's public payload: a bare cpp-httplib server
// that answers every GET with one file's bytes (application/json), nothing else.
//
// Owns: only that. It is configured like hiltd's HTTP front where that matters to speed
// (TCP_NODELAY, the listen backlog, the worker pool size, keep-alive timeout and count), so the
// ratio measures hiltd's own work per request (routing, rate limit, store read, JSON, ETag,
// headers). Must never: read the file per request, add headers hiltd's answer lacks, or be used
// outside scripts/bench.
//
// Usage: hilt_bench_bare_http --file PATH [--host 127.0.0.1] [--port 0] [--threads 8]
//        [--keep-alive-timeout 2] [--keep-alive-max 100]
// Prints "listening on PORT" once it accepts connections; stops on SIGINT or SIGTERM.
#include <httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <thread>

namespace {

// Same defaults as hiltd's HttpLimits and kListenBacklog (server/http/http_server.h).
constexpr int kDefaultKeepAliveSeconds = 2;
constexpr int kDefaultKeepAliveMax = 100;
constexpr int kDefaultThreads = 8;
constexpr int kListenBacklog = 1024;

int fail(const std::string& message) {
    std::fprintf(stderr, "hilt_bench_bare_http: %s\n", message.c_str());
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    std::map<std::string, std::string> flags = {{"--host", "127.0.0.1"},
                                                {"--port", "0"},
                                                {"--threads", std::to_string(kDefaultThreads)},
                                                {"--keep-alive-timeout",
                                                 std::to_string(kDefaultKeepAliveSeconds)},
                                                {"--keep-alive-max",
                                                 std::to_string(kDefaultKeepAliveMax)}};
    for (int i = 1; i + 1 < argc; i += 2) flags[argv[i]] = argv[i + 1];
    if (argc % 2 == 0) return fail("flags come in pairs: --name value");
    if (flags.count("--file") == 0) return fail("--file PATH is required");

    std::ifstream in(flags["--file"], std::ios::binary);
    if (!in) return fail("cannot read " + flags["--file"]);
    const std::string body{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};

    const int threads = std::atoi(flags["--threads"].c_str());
    if (threads < 1) return fail("--threads must be at least 1");

    // Signals go to the waiting thread below, never to a worker.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

    httplib::Server server;
    server.new_task_queue = [threads] {
        return new httplib::ThreadPool(static_cast<std::size_t>(threads));
    };
    server.set_keep_alive_timeout(std::atoi(flags["--keep-alive-timeout"].c_str()));
    server.set_keep_alive_max_count(
        static_cast<std::size_t>(std::atoi(flags["--keep-alive-max"].c_str())));
    int listen_socket = -1;
    server.set_socket_options([&listen_socket](socket_t sock) {
        int yes = 1;
        setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
        setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
        listen_socket = sock;
    });
    server.Get(".*", [&body](const httplib::Request&, httplib::Response& res) {
        res.set_content(body, "application/json");
    });

    const int requested = std::atoi(flags["--port"].c_str());
    const int port = requested == 0 ? server.bind_to_any_port(flags["--host"])
                                    : (server.bind_to_port(flags["--host"], requested) ? requested
                                                                                         : -1);
    if (port < 0) return fail("cannot bind " + flags["--host"] + ":" + flags["--port"]);
    // hiltd raises httplib's backlog of 5 the same way (kListenBacklog in server/http).
    if (listen_socket >= 0) ::listen(listen_socket, kListenBacklog);

    std::thread waiter([&server, &stop_signals] {
        int signal = 0;
        sigwait(&stop_signals, &signal);
        server.stop();
    });
    // The socket listens once bound (the kernel queues connections until the accept loop runs).
    std::printf("listening on %d\n", port);
    std::fflush(stdout);
    const bool served = server.listen_after_bind();
    // Wakes the waiter if the server ended on its own; otherwise this signal stays pending, blocked.
    kill(getpid(), SIGTERM);
    waiter.join();
    if (!served) return fail("the accept loop failed");
    return 0;
}
