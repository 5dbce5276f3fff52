// tests/unit/server/app_harness.h: a real hiltd App on a loopback port with a real SQLite file in a fresh
// temporary folder, a manual clock, and one merchant with a key, for route tests over HTTP.
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "app.h"

namespace hilt::server::test {

class AppHarness : public ::testing::Test {
protected:
    void SetUp() override {
        static std::atomic<int> counter{0};
        dir_ = std::filesystem::temp_directory_path() /
               ("hilt-app-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
        std::filesystem::remove_all(dir_);
        std::filesystem::create_directories(dir_);
        open_app();
        auto created = app_->merchants().create_merchant("Test Guild", clock_.now_seconds());
        ASSERT_TRUE(created) << describe(created.error());
        merchant_id_ = created->first.merchant_id;
        key_ = created->second.secret;
    }
    void TearDown() override {
        client_.reset();
        app_.reset();
        std::filesystem::remove_all(dir_);
    }

    virtual void configure(ServerConfig&) {}

    // (Re)opens the App on the same database file, as a restart would.
    void open_app() {
        client_.reset();
        app_.reset();
        ServerConfig config;
        config.db_path = (dir_ / "hilt.sqlite").string();
        config.port = 0;
        config.sandbox_slot_time = std::chrono::milliseconds{0};  // tests move the chain's slots themselves
        config.watch_interval = std::chrono::milliseconds{0};      // and run the watcher themselves
        configure(config);
        auto app = App::open(config, clock_);
        ASSERT_TRUE(app) << describe(app.error());
        app_ = std::move(*app);
        auto port = app_->start();
        ASSERT_TRUE(port) << describe(port.error());
        port_ = *port;
        client_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
    }

    static nlohmann::json json_of(const httplib::Result& res) {
        return nlohmann::json::parse(res->body, nullptr, false);
    }
    httplib::Headers with_key(const std::string& key) const { return {{"X-Hilt-Key", key}}; }
    httplib::Headers merchant() const { return with_key(key_); }

    ManualClock clock_{1'800'000'000'000};
    std::filesystem::path dir_;
    std::unique_ptr<App> app_;
    std::unique_ptr<httplib::Client> client_;
    int port_ = 0;
    std::string merchant_id_;
    std::string key_;
};

}  // namespace hilt::server::test
