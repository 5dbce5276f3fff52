// tests/unit/server/rpc_node.h: a scripted Solana JSON-RPC node for the RPC client and chain tests:
// a real httplib server (plain HTTP, or TLS with a given certificate) on 127.0.0.1 at a free port,
// answering each request with the next scripted answer in the shapes of solana-phantom.md §5, and
// recording what it was sent.
#pragma once

#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace hilt::server::test {

using nlohmann::json;

struct Scripted {
    int status = 200;
    std::optional<json> result;  // {"jsonrpc","id","result"} for the request's id
    std::optional<json> error;   // {"jsonrpc","id","error"}
    std::string raw;             // sent as is when set (batches, garbage)
    std::vector<std::pair<std::string, std::string>> headers;
    bool hold = false;  // answer only when the node stops (a hung node)
};

inline Scripted result(json value) { return Scripted{200, std::move(value), {}, {}, {}, false}; }
inline Scripted rpc_error(std::int64_t code, std::string message, json data = nullptr) {
    json error = {{"code", code}, {"message", std::move(message)}};
    if (!data.is_null()) error["data"] = std::move(data);
    return Scripted{200, {}, std::move(error), {}, {}, false};
}
inline Scripted http_status(int status,
                            std::vector<std::pair<std::string, std::string>> headers = {}) {
    return Scripted{status, {}, {}, "{\"error\":\"slow down\"}", std::move(headers), false};
}
inline Scripted raw_body(std::string body) {
    return Scripted{200, {}, {}, std::move(body), {}, false};
}
inline Scripted held() { return Scripted{200, json(1), {}, {}, {}, true}; }

inline json context(json value) {
    return {{"context", {{"slot", 341'000'000}, {"apiVersion", "3.1.8"}}},
            {"value", std::move(value)}};
}

class FakeRpcNode {
public:
    // A plain-HTTP node.
    FakeRpcNode() : FakeRpcNode(std::make_unique<httplib::Server>(), "http") {}
    // An https node presenting the certificate chain in `cert_file` (PEM, leaf first) with the key
    // in `key_file`; valid() is false when httplib refused them.
    FakeRpcNode(const std::string& cert_file, const std::string& key_file)
        : FakeRpcNode(std::make_unique<httplib::SSLServer>(cert_file.c_str(), key_file.c_str()),
                      "https") {}
    ~FakeRpcNode() { stop(); }
    FakeRpcNode(const FakeRpcNode&) = delete;
    FakeRpcNode& operator=(const FakeRpcNode&) = delete;

    void stop() {
        {
            std::lock_guard lock(mutex_);
            released_ = true;
        }
        release_.notify_all();
        server_->stop();
        if (thread_.joinable()) thread_.join();
    }

    bool valid() const { return server_->is_valid(); }
    int port() const { return port_; }
    // Always served on 127.0.0.1; `host` is what the client is told (e.g. "localhost").
    std::string url(const std::string& host = "127.0.0.1") const {
        return scheme_ + "://" + host + ":" + std::to_string(port_) + "/rpc?api-key=k";
    }

    // Answers in order; once they are used up, `otherwise` answers (or an internal error).
    void then(Scripted answer) {
        std::lock_guard lock(mutex_);
        script_.push_back(std::move(answer));
    }
    void otherwise(std::function<Scripted(const json&)> responder) {
        std::lock_guard lock(mutex_);
        responder_ = std::move(responder);
    }

    std::vector<json> requests() const {
        std::lock_guard lock(mutex_);
        return requests_;
    }
    json last_request() const {
        std::lock_guard lock(mutex_);
        return requests_.empty() ? json() : requests_.back();
    }
    std::size_t request_count() const {
        std::lock_guard lock(mutex_);
        return requests_.size();
    }
    std::vector<int> remote_ports() const {
        std::lock_guard lock(mutex_);
        return remote_ports_;
    }
    std::vector<std::string> targets() const {
        std::lock_guard lock(mutex_);
        return targets_;
    }
    std::vector<std::size_t> body_sizes() const {
        std::lock_guard lock(mutex_);
        return body_sizes_;
    }

private:
    FakeRpcNode(std::unique_ptr<httplib::Server> server, std::string scheme)
        : server_(std::move(server)), scheme_(std::move(scheme)) {
        server_->Post(".*", [this](const httplib::Request& req, httplib::Response& res) {
            handle(req, res);
        });
        if (!server_->is_valid()) return;
        port_ = server_->bind_to_any_port("127.0.0.1");
        thread_ = std::thread([this] { server_->listen_after_bind(); });
        for (int i = 0; i < 2'000 && !server_->is_running(); ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    }

    void handle(const httplib::Request& req, httplib::Response& res) {
        json request = json::parse(req.body, nullptr, false);
        Scripted answer;
        {
            std::unique_lock lock(mutex_);
            requests_.push_back(request);
            remote_ports_.push_back(req.remote_port);
            targets_.push_back(req.target);
            body_sizes_.push_back(req.body.size());
            if (!script_.empty()) {
                answer = std::move(script_.front());
                script_.pop_front();
            } else if (responder_) {
                answer = responder_(request);
            } else {
                answer = rpc_error(-32603, "no scripted answer");
            }
            if (answer.hold) {
                release_.wait_for(lock, std::chrono::seconds(10), [this] { return released_; });
            }
        }
        res.status = answer.status;
        for (const auto& [name, value] : answer.headers) res.set_header(name, value);
        if (!answer.raw.empty()) {
            res.set_content(answer.raw, "application/json");
            return;
        }
        json body = {
            {"jsonrpc", "2.0"},
            {"id", request.is_object() && request.contains("id") ? request["id"] : json()}};
        if (answer.error) {
            body["error"] = *answer.error;
        } else {
            body["result"] = answer.result.value_or(json());
        }
        res.set_content(body.dump(), "application/json");
    }

    std::unique_ptr<httplib::Server> server_;
    std::string scheme_;
    std::thread thread_;
    int port_ = -1;
    mutable std::mutex mutex_;
    std::condition_variable release_;
    bool released_ = false;
    std::deque<Scripted> script_;
    std::function<Scripted(const json&)> responder_;
    std::vector<json> requests_;
    std::vector<int> remote_ports_;
    std::vector<std::string> targets_;
    std::vector<std::size_t> body_sizes_;
};

}  // namespace hilt::server::test
