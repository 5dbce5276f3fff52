// tests/oracle/oracle_cli.cpp: reads JSON requests line by line on stdin, answers each on stdout.
#include <iostream>
#include <string>

#include "crypto/sodium.h"
#include "oracle/oracle.h"

namespace hilt::oracle {
std::map<std::string, Op>& registry() {
    static std::map<std::string, Op> ops;
    return ops;
}
}  // namespace hilt::oracle

int main() {
    if (!hilt::crypto_ready()) {
        std::cerr << "libsodium failed to initialise\n";
        return 1;
    }
    std::ios::sync_with_stdio(false);
    std::string line;
    while (std::getline(std::cin, line)) {
        auto request = nlohmann::json::parse(line, nullptr, false);
        nlohmann::json answer;
        if (request.is_discarded() || !request.is_object() || !request.contains("op") ||
            !request["op"].is_string()) {
            answer = {{"error", "bad_request"}};
        } else {
            const auto& ops = hilt::oracle::registry();
            const auto it = ops.find(request["op"].get<std::string>());
            answer = it == ops.end() ? nlohmann::json{{"error", "unknown_op"}} : it->second(request);
        }
        std::cout << answer.dump() << '\n';
    }
    std::cout.flush();
    return 0;
}
