// server/main.cpp: the hiltd binary.
//   hiltd [serve] [--db PATH] [--host HOST] [--port N] [--public-url URL]
//   hiltd merchant create --name NAME [--db PATH]     creates a workspace and prints its first API key
//   hiltd demo [--db PATH] [--host HOST] [--port N]   serve, after creating a demo merchant and product
#include <pthread.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "app.h"
#include "models/product.h"

namespace {

using hilt::server::App;
using hilt::server::ServerConfig;
using hilt::server::SystemClock;

int usage() {
    std::cerr << "usage:\n"
                 "  hiltd [serve] [--db PATH] [--host HOST] [--port N] [--public-url URL]\n"
                 "  hiltd merchant create --name NAME [--db PATH]\n"
                 "  hiltd demo [--db PATH] [--host HOST] [--port N] [--public-url URL]\n";
    return 2;
}

// --flag value pairs; false on a flag without its value or an unknown flag.
bool parse_flags(const std::vector<std::string>& args, std::size_t from, std::map<std::string, std::string>& out,
                 const std::vector<std::string>& allowed) {
    for (std::size_t i = from; i < args.size(); i += 2) {
        if (i + 1 >= args.size()) return false;
        bool known = false;
        for (const auto& flag : allowed) known = known || flag == args[i];
        if (!known) return false;
        out[args[i]] = args[i + 1];
    }
    return true;
}

// A merchant and a product to look at: prints the key, the public payload and the checkout URL.
bool create_demo(App& app, const SystemClock& clock) {
    auto merchant = app.merchants().create_merchant("Demo merchant", clock.now_seconds());
    if (!merchant) {
        std::cerr << "hiltd: " << hilt::describe(merchant.error()) << "\n";
        return false;
    }
    auto request = hilt::models::parse<hilt::models::ProductRequest>(R"({
        "product_type": "PAYMENT_LINK",
        "title": "Hilt demo membership",
        "description": "A month of access to the demo community, paid in USDC.",
        "amount_minor_units": 12500000,
        "merchant_wallet": "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM",
        "delivery_type": "MESSAGE",
        "delivery_value": "Welcome! Your access code is DEMO-2026.",
        "membership_config": {"enabled": true, "platform": "WEB", "identity_type": "WALLET",
                              "renewal_mode": "ONE_OFF", "billing_interval_days": 30, "grace_period_days": 3}
    })");
    if (!request) {
        std::cerr << "hiltd: demo product: " << hilt::describe(request.error()) << "\n";
        return false;
    }
    auto product = app.products().create(merchant->first.merchant_id, *request, app.config().public_url,
                                         hilt::models::Timestamp{clock.now_seconds()},
                                         hilt::money::usdc().mint(app.config().cluster));
    if (!product) {
        std::cerr << "hiltd: demo product: " << hilt::describe(product.error()) << "\n";
        return false;
    }
    std::cout << "demo merchant api key: " << merchant->second.secret << "\n"
              << "demo product:          " << product->product_id << "\n"
              << "public payload:        " << app.config().public_url << "/v1/products/p/" << product->slug << "\n"
              << "checkout URL:          " << product->checkout_url
              << "   (the checkout page itself arrives with issue 5)\n";
    return true;
}

// SIGINT/SIGTERM are blocked in every thread and taken by one waiting thread, which stops the server from an
// ordinary context (stopping it inside a signal handler would not be async-signal-safe).
void stop_on_signal(App& app) {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    std::thread waiter([&app, signals] {
        int received = 0;
        sigwait(&signals, &received);
        app.stop();
    });
    waiter.detach();
}

}  // namespace

int main(int argc, char** argv) {
    const std::vector<std::string> args(argv + 1, argv + argc);
    ServerConfig config;
    SystemClock clock;

    if (args.size() >= 2 && args[0] == "merchant" && args[1] == "create") {
        std::map<std::string, std::string> flags;
        if (!parse_flags(args, 2, flags, {"--name", "--db"}) || !flags.count("--name")) return usage();
        if (flags.count("--db")) config.db_path = flags["--db"];
        auto app = App::open(config, clock);
        if (!app) {
            std::cerr << "hiltd: " << hilt::describe(app.error()) << "\n";
            return 1;
        }
        auto created = (*app)->merchants().create_merchant(flags["--name"], clock.now_seconds());
        if (!created) {
            std::cerr << "hiltd: " << hilt::describe(created.error()) << "\n";
            return 1;
        }
        std::cout << "merchant_id: " << created->first.merchant_id << "\n"
                  << "api_key: " << created->second.secret << "\n"
                  << "(the key is shown once; store it now)\n";
        return 0;
    }

    const bool demo = !args.empty() && args[0] == "demo";
    const std::size_t from = !args.empty() && (args[0] == "serve" || demo) ? 1 : 0;
    std::map<std::string, std::string> flags;
    if (!parse_flags(args, from, flags, {"--db", "--host", "--port", "--public-url"})) return usage();
    if (flags.count("--db")) config.db_path = flags["--db"];
    if (flags.count("--host")) config.host = flags["--host"];
    if (flags.count("--public-url")) config.public_url = flags["--public-url"];
    if (flags.count("--port")) {
        try {
            config.port = std::stoi(flags["--port"]);
        } catch (const std::exception&) {
            return usage();
        }
    }
    auto app = App::open(config, clock);
    if (!app) {
        std::cerr << "hiltd: " << hilt::describe(app.error()) << "\n";
        return 1;
    }
    if (demo && !create_demo(**app, clock)) return 1;
    stop_on_signal(**app);
    std::cout << "hiltd listening on http://" << config.host << ":" << config.port << std::endl;
    auto status = (*app)->run();
    if (!status) {
        std::cerr << "hiltd: " << hilt::describe(status.error()) << "\n";
        return 1;
    }
    return 0;
}
