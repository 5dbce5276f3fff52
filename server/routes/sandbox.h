// server/routes/sandbox.h: test-mode routes, registered only when the sandbox chain is active (never with a
// real cluster); the test clock alone also with --test-clock on an RPC chain (never mainnet):
//   POST /v1/sandbox/airdrop  {wallet, asset: "SOL"|"USDC", amount_minor_units}   public, rate limited
//   POST /v1/sandbox/faults   {drop_next_broadcasts?, fail_next_sends?, delay_confirmation_slots?,
//                              expire_blockhashes?}                                  merchant auth
//   POST /v1/sandbox/clock    {advance_seconds}: moves the test clock forward          merchant auth
//   POST /v1/sandbox/send-transaction {transaction}: a wallet's own send, past hiltd    public, rate limited
#pragma once

#include "app.h"
#include "http/http_server.h"

namespace hilt::server {

// Largest single airdrop: enough for any rehearsal, small enough that one client cannot inflate the ledger.
inline constexpr std::int64_t kSandboxMaxAirdropLamports = 10'000'000'000;  // 10 SOL
inline constexpr std::int64_t kSandboxMaxAirdropUsdc = 10'000'000'000;      // 10,000 USDC
inline constexpr std::int64_t kSandboxMaxFaultCount = 100;
// The most one call moves the sandbox's test clock: a year and a day.
inline constexpr std::int64_t kSandboxMaxClockAdvanceSeconds = 366 * 24 * 60 * 60;

// Every route above; needs context.sandbox.
void register_sandbox_routes(HttpServer& http, AppContext& context);
// POST /v1/sandbox/clock alone (moves context.clock; 409 when it is the system's clock).
void register_sandbox_clock_route(HttpServer& http, AppContext& context);

}  // namespace hilt::server
