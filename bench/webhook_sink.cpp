// bench/webhook_sink.cpp: the merchants' webhook receivers for bench/webhook_deliveries.mjs: a bare
// cpp-httplib server that answers every POST with 200 {"ok":true} and counts them.
//
// A native sink rather than a node one: on a 2-core machine the receivers share the cores with hiltd and the
// load, and a heavier receiver would be measured as hiltd's cost. It checks no signature (the tests do that,
// tests/support/webhook_receiver.mjs). Must never: be used outside scripts/bench.
//
// Usage: hilt_bench_webhook_sink [--host 127.0.0.1] [--threads 32]
// Prints "sink PORT" once it accepts connections; GET /count answers {"received": N}; stops on SIGINT or
// SIGTERM.
#include <httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <thread>

int main(int argc, char** argv) {
    std::map<std::string, std::string> flags = {{"--host", "127.0.0.1"}, {"--threads", "32"}};
    for (int i = 1; i + 1 < argc; i += 2) flags[argv[i]] = argv[i + 1];
    const int threads = std::atoi(flags["--threads"].c_str());
    if (argc % 2 == 0 || threads < 1) {
        std::fprintf(stderr, "hilt_bench_webhook_sink: usage: [--host H] [--threads N >= 1]\n");
        return 2;
    }

    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

    std::atomic<long long> received{0};
    httplib::Server server;
    // A kept-alive connection holds a pool thread: as many threads as hiltd has senders, and more.
    server.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<std::size_t>(threads)); };
    // Like a production receiver (nginx keeps 1,000 requests per connection), not httplib's 5.
    server.set_keep_alive_max_count(1000);
    int listen_socket = -1;
    server.set_socket_options([&listen_socket](socket_t sock) {
        int yes = 1;
        setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
        setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
        listen_socket = sock;
    });
    server.Post(".*", [&received](const httplib::Request&, httplib::Response& res) {
        received.fetch_add(1, std::memory_order_relaxed);
        res.set_content("{\"ok\":true}", "application/json");
    });
    server.Get("/count", [&received](const httplib::Request&, httplib::Response& res) {
        res.set_content("{\"received\":" + std::to_string(received.load()) + "}", "application/json");
    });

    const int port = server.bind_to_any_port(flags["--host"]);
    if (port < 0) {
        std::fprintf(stderr, "hilt_bench_webhook_sink: cannot bind %s\n", flags["--host"].c_str());
        return 2;
    }
    // httplib listens with a backlog of 5: sixteen senders connecting at once would lose SYNs (a 1 s retry).
    if (listen_socket >= 0) ::listen(listen_socket, 1024);
    std::thread waiter([&server, &stop_signals] {
        int signal = 0;
        sigwait(&stop_signals, &signal);
        server.stop();
    });
    std::printf("sink %d\n", port);
    std::fflush(stdout);
    const bool served = server.listen_after_bind();
    kill(getpid(), SIGTERM);
    waiter.join();
    return served ? 0 : 2;
}
