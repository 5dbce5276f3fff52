// tests/oracle/oracle.h: the operations hilt_oracle_cli answers. The node oracle tests (tests/oracle/*.test.mjs)
// send one JSON request a line, {"op":"…", …}, and compare each answer with what @solana/web3.js,
// @solana/spl-token and tweetnacl compute for the same input. Each area registers its ops in
// ops_<area>.cpp with HILT_ORACLE_OP.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <string>

namespace hilt::oracle {

// An op returns its answer, or {"error":"<wire code>", "message": …} for input our code rejects.
using Op = std::function<nlohmann::json(const nlohmann::json& request)>;

std::map<std::string, Op>& registry();

struct Registration {
    Registration(const char* name, Op op) { registry().emplace(name, std::move(op)); }
};

}  // namespace hilt::oracle

#define HILT_ORACLE_CONCAT_(a, b) a##b
#define HILT_ORACLE_CONCAT(a, b) HILT_ORACLE_CONCAT_(a, b)
#define HILT_ORACLE_OP(name, fn) \
    static const ::hilt::oracle::Registration HILT_ORACLE_CONCAT(oracle_op_, __LINE__)(name, fn)
