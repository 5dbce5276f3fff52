// server/routes/sandbox.cpp: the sandbox faucet, fault switches, test clock, and a wallet's direct send.
#include "routes/sandbox.h"

#include "encoding/base64.h"
#include "solana/message.h"

#include "routes/auth.h"
#include "routes/respond.h"

namespace hilt::server {

namespace {

struct AirdropRequest {
    solana::PublicKey wallet;
    std::string asset;
    std::int64_t amount_minor_units = 0;
};

Status from_json(const models::Json& json, AirdropRequest& out) {
    models::ObjectReader reader(json);
    reader.required("wallet", out.wallet, models::public_key());
    reader.required("asset", out.asset, models::text({.min_chars = 1, .max_chars = 10}));
    reader.required("amount_minor_units", out.amount_minor_units,
                    models::integer(1, std::max(kSandboxMaxAirdropLamports, kSandboxMaxAirdropUsdc)));
    HILT_TRY(reader.finish());
    if (out.asset != "SOL" && out.asset != "USDC") {
        return fail(ErrorCode::InvalidEnum, "asset is SOL or USDC", "asset");
    }
    const auto cap = out.asset == "SOL" ? kSandboxMaxAirdropLamports : kSandboxMaxAirdropUsdc;
    if (out.amount_minor_units > cap) {
        return fail(ErrorCode::OutOfRange, "at most " + std::to_string(cap) + " minor units per airdrop",
                    "amount_minor_units");
    }
    return {};
}

struct FaultsRequest {
    std::optional<std::int64_t> drop_next_broadcasts;
    std::optional<std::int64_t> fail_next_sends;
    std::optional<std::int64_t> delay_confirmation_slots;
    std::optional<bool> expire_blockhashes;
};

Status from_json(const models::Json& json, FaultsRequest& out) {
    models::ObjectReader reader(json);
    reader.optional("drop_next_broadcasts", out.drop_next_broadcasts, models::integer(0, kSandboxMaxFaultCount));
    reader.optional("fail_next_sends", out.fail_next_sends, models::integer(0, kSandboxMaxFaultCount));
    reader.optional("delay_confirmation_slots", out.delay_confirmation_slots,
                    models::integer(0, kSandboxMaxFaultCount));
    reader.optional("expire_blockhashes", out.expire_blockhashes, models::boolean());
    return reader.finish();
}

struct ClockRequest {
    std::int64_t advance_seconds = 0;
};

Status from_json(const models::Json& json, ClockRequest& out) {
    models::ObjectReader reader(json);
    reader.required("advance_seconds", out.advance_seconds, models::integer(1, kSandboxMaxClockAdvanceSeconds));
    return reader.finish();
}

struct SendRequest {
    std::string transaction;  // base64 wire bytes, signed
};

Status from_json(const models::Json& json, SendRequest& out) {
    models::ObjectReader reader(json);
    reader.required("transaction", out.transaction, models::base64(solana::kMaxTransactionBytes));
    return reader.finish();
}

}  // namespace

void register_sandbox_routes(HttpServer& http, AppContext& context) {
    http.route("POST", "/v1/sandbox/airdrop", [&context](const HttpRequest& request) {
        if (auto limited = limit_public(request, context)) return *limited;
        auto body = read_body<AirdropRequest>(request);
        if (!body) return HttpResponse::error(body.error(), request.request_id);
        auto& sandbox = *context.sandbox;
        const auto amount = static_cast<std::uint64_t>(body->amount_minor_units);
        models::Json answer = {{"wallet", body->wallet.to_base58()},
                               {"asset", body->asset},
                               {"amount_minor_units", body->amount_minor_units}};
        if (body->asset == "SOL") {
            if (auto status = sandbox.airdrop_lamports(body->wallet, amount); !status) {
                return HttpResponse::error(status.error(), request.request_id);
            }
        } else {
            auto account = sandbox.airdrop_tokens(body->wallet, SandboxChain::usdc_mint(), amount);
            if (!account) return HttpResponse::error(account.error(), request.request_id);
            answer["token_account"] = account->to_base58();
            answer["token_mint"] = SandboxChain::usdc_mint().to_base58();
        }
        return json_response(200, answer);
    });

    http.route("POST", "/v1/sandbox/faults", [&context](const HttpRequest& request) {
        auto merchant = authenticate_merchant(request, context);
        if (!merchant) return HttpResponse::error(merchant.error(), request.request_id);
        auto body = read_body<FaultsRequest>(request);
        if (!body) return HttpResponse::error(body.error(), request.request_id);
        auto& sandbox = *context.sandbox;
        if (body->drop_next_broadcasts) sandbox.drop_next_broadcasts(static_cast<std::size_t>(*body->drop_next_broadcasts));
        if (body->fail_next_sends) sandbox.fail_next_sends(static_cast<std::size_t>(*body->fail_next_sends));
        if (body->delay_confirmation_slots) {
            sandbox.delay_confirmation(static_cast<std::uint64_t>(*body->delay_confirmation_slots));
        }
        if (body->expire_blockhashes.value_or(false)) sandbox.expire_blockhashes();
        return json_response(200, {{"slot", sandbox.slot()}});
    });

    register_sandbox_clock_route(http, context);

    // What a wallet does with a Solana Pay transfer or its own transaction: send it straight to the
    // cluster, past hiltd's checks (the watcher finds it by its reference, as on a real cluster).
    http.route("POST", "/v1/sandbox/send-transaction", [&context](const HttpRequest& request) {
        if (auto limited = limit_public(request, context)) return *limited;
        auto body = read_body<SendRequest>(request);
        if (!body) return HttpResponse::error(body.error(), request.request_id);
        auto wire = base64_decode(body->transaction);
        if (!wire) return HttpResponse::error(at("transaction", wire.error()), request.request_id);
        auto signature = context.sandbox->send(*wire);
        if (!signature) return HttpResponse::error(signature.error(), request.request_id);
        return json_response(200, {{"signature", *signature}});
    });
}

// The test clock: moves hiltd's time forward (sessions expire, memberships reach grace and lapse,
// webhook retries fall due) without waiting. Forward only; it lasts until the process stops.
void register_sandbox_clock_route(HttpServer& http, AppContext& context) {
    http.route("POST", "/v1/sandbox/clock", [&context](const HttpRequest& request) {
        auto merchant = authenticate_merchant(request, context);
        if (!merchant) return HttpResponse::error(merchant.error(), request.request_id);
        auto body = read_body<ClockRequest>(request);
        if (!body) return HttpResponse::error(body.error(), request.request_id);
        if (!context.clock.advance_ms(body->advance_seconds * 1000)) {
            return HttpResponse::error(fail(ErrorCode::Conflict, "this server runs on the system's clock"),
                                       request.request_id);
        }
        context.webhook_worker->poke();
        if (context.renewal_worker) context.renewal_worker->poke();
        context.payment_service.poke_watcher();
        return json_response(200, {{"now", models::format_timestamp(models::Timestamp{context.clock.now_seconds()})}});
    });
}

}  // namespace hilt::server
