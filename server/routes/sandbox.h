// server/routes/sandbox.h: test-mode routes, registered only when the sandbox chain is active (never with a
// real cluster):
//   POST /v1/sandbox/airdrop  {wallet, asset: "SOL"|"USDC", amount_minor_units}   public, rate limited
//   POST /v1/sandbox/faults   {drop_next_broadcasts?, fail_next_sends?, delay_confirmation_slots?,
//                              expire_blockhashes?}                                  merchant auth
#pragma once

#include "app.h"
#include "http/http_server.h"

namespace hilt::server {

// Largest single airdrop: enough for any rehearsal, small enough that one client cannot inflate the ledger.
inline constexpr std::int64_t kSandboxMaxAirdropLamports = 10'000'000'000;  // 10 SOL
inline constexpr std::int64_t kSandboxMaxAirdropUsdc = 10'000'000'000;      // 10,000 USDC
inline constexpr std::int64_t kSandboxMaxFaultCount = 100;

void register_sandbox_routes(HttpServer& http, AppContext& context);

}  // namespace hilt::server
