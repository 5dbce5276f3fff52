// server/main.cpp: the hiltd binary: parses the command line and environment (config.h), then
// runs one command. `hiltd --help` lists every setting with its environment variable and default.
//   hiltd [serve] [SETTINGS]                      serve the API and the hosted checkout
//   hiltd demo [SETTINGS]                         serve, after creating a demo merchant and product
//   hiltd merchant create --name NAME [--subscriptions] [SETTINGS]
//                                                 create a workspace and print its first API key
//                                                 (--subscriptions: enabled for subscriptions)
//   hiltd merchant subscriptions --id MERCHANT_ID on|off [SETTINGS]
//                                                 enable or disable a workspace's subscriptions
//                                                 (AUTOMATIC renewal): Hilt's decision, no API route
//   hiltd help | --help | -h                      print the usage text
// SETTINGS: every one a flag and a HILT_* environment variable (the table in config.cpp; `hiltd --help`
// prints it): the database, address and public URL, the chain (sandbox, or rpc with its URL, CA file, rate
// cap, commitment and cluster), the fee, session length, key folder, assets folder, rate limits and threads.
// Flags override variables; `--flag=VALUE` works too.
// Exit status: 0 success, 1 a runtime failure (store, keys, the RPC node's CA file, server), 2 a bad command
// line or setting.
// Must never: print key material (the configuration lines mask the RPC URL's credentials).
#include <pthread.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "app.h"
#include "config.h"
#include "models/product.h"

namespace {

using hilt::server::App;
using hilt::server::Command;
using hilt::server::ServerConfig;
using hilt::server::SystemClock;

// A merchant and a product to look at: prints the key, the public payload and the checkout URL.
bool create_demo(App& app, const hilt::server::Clock& clock) {
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
              << "\n";
    return true;
}

// SIGINT/SIGTERM are blocked in every thread and taken by one waiting thread, which stops the server from an
// ordinary context (stopping it inside a signal handler would not be async-signal-safe).
// SIGINT and SIGTERM, blocked in every thread (block_stop_signals runs first in main, so every thread
// started later inherits the mask) and taken by one waiter thread that stops the App cleanly. Blocked
// only after threads exist, a signal could land on one of them (the store's checkpointer, the HTTP
// pool) and kill the process instead.
sigset_t stop_signals() {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    return signals;
}

void block_stop_signals() {
    const sigset_t signals = stop_signals();
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
}

void stop_on_signal(App& app) {
    std::thread waiter([&app, signals = stop_signals()] {
        int received = 0;
        sigwait(&signals, &received);
        app.stop();
    });
    waiter.detach();
}

}  // namespace

int main(int argc, char** argv) {
    block_stop_signals();
    const std::vector<std::string> args(argv + 1, argv + argc);
    auto parsed = hilt::server::parse_command_line(args, hilt::server::environment_from(environ));
    if (!parsed) {
        std::cerr << "hiltd: " << parsed.error().message << "\n"
                  << "run `hiltd --help` for the commands and settings\n";
        return 2;
    }
    if (parsed->command == Command::Help) {
        std::cout << hilt::server::usage_text();
        return 0;
    }
    const ServerConfig& config = parsed->config;
    // The sandbox runs on a test clock its routes can move forward, and so does an RPC chain with
    // --test-clock (never mainnet); otherwise a real chain runs on the system's time.
    SystemClock system_clock;
    hilt::server::SandboxClock sandbox_clock;
    const bool test_clock = config.chain == "sandbox" || config.test_clock;
    const hilt::server::Clock& clock =
        test_clock ? static_cast<const hilt::server::Clock&>(sandbox_clock) : system_clock;

    if (parsed->command == Command::MerchantCreate) {
        auto app = App::open(config, clock);
        if (!app) {
            std::cerr << "hiltd: " << hilt::describe(app.error()) << "\n";
            return 1;
        }
        auto created =
            (*app)->merchants().create_merchant(parsed->merchant_name, clock.now_seconds());
        if (!created) {
            std::cerr << "hiltd: " << hilt::describe(created.error()) << "\n";
            return 1;
        }
        const std::string& merchant_id = created->first.merchant_id;
        // A second step, not part of the creation: if it fails, the workspace exists without
        // subscriptions, so its key is still printed (shown once) along with the way to retry.
        auto enabled = parsed->subscriptions_enabled
                           ? (*app)->merchants().set_subscriptions_enabled(merchant_id, true)
                           : hilt::Result<hilt::server::Merchant>(created->first);
        std::cout << "merchant_id: " << merchant_id << "\n"
                  << "api_key: " << created->second.secret << "\n"
                  << "(the key is shown once; store it now)\n";
        if (!enabled) {
            std::cerr << "hiltd: the workspace was created but subscriptions are off: "
                      << hilt::describe(enabled.error()) << "\n"
                      << "run `hiltd merchant subscriptions --id " << merchant_id << " on`\n";
            return 1;
        }
        std::cout << "subscriptions: " << (enabled->subscriptions_enabled ? "on" : "off") << "\n";
        return 0;
    }

    if (parsed->command == Command::MerchantSubscriptions) {
        auto app = App::open(config, clock);
        if (!app) {
            std::cerr << "hiltd: " << hilt::describe(app.error()) << "\n";
            return 1;
        }
        auto merchant = (*app)->merchants().set_subscriptions_enabled(
            parsed->merchant_id, parsed->subscriptions_enabled);
        if (!merchant) {
            if (merchant.error().code == hilt::ErrorCode::NotFound) {
                std::cerr << "hiltd: no merchant " << parsed->merchant_id << " in " << config.db_path
                          << " (nothing changed; is --db the right store?)\n";
            } else {
                std::cerr << "hiltd: " << hilt::describe(merchant.error()) << "\n";
            }
            return 1;
        }
        std::cout << "merchant_id: " << merchant->merchant_id << "\n"
                  << "subscriptions: " << (merchant->subscriptions_enabled ? "on" : "off") << "\n";
        return 0;
    }

    std::cout << "hiltd configuration:\n";
    for (const auto& line : hilt::server::describe_config(config)) {
        std::cout << "  " << line << "\n";
    }
    auto app = App::open(config, clock);
    if (!app) {
        std::cerr << "hiltd: " << hilt::describe(app.error()) << "\n";
        return 1;
    }
    stop_on_signal(**app);
    // Subscriptions' renewals are signed, and their network fees paid, by this key: fund it on a real chain.
    std::cout << "renewal delegate (pays renewal fees): " << (*app)->renewal_delegate().to_base58() << "\n";
    auto status = (*app)->run([&](int port) {
        if (parsed->command == Command::Demo && !create_demo(**app, clock)) return false;
        std::cout << "hiltd listening on http://" << config.host << ":" << port << std::endl;
        return true;
    });
    if (!status) {
        std::cerr << "hiltd: " << hilt::describe(status.error()) << "\n";
        return 1;
    }
    return 0;
}
