// tests/oracle/ops_solana.cpp: Solana transaction, PDA, token instruction and inspector operations
// for tests/oracle/solana.test.mjs, which compares them with @solana/web3.js and @solana/spl-token.
#include <array>
#include <cstdlib>
#include <string>
#include <vector>

#include "crypto/sodium.h"
#include "encoding/base58.h"
#include "encoding/base64.h"
#include "oracle/oracle.h"
#include "solana/inspector.h"
#include "solana/instructions.h"
#include "solana/pda.h"
#include "solana/transaction.h"

namespace hilt::oracle {
namespace {

using nlohmann::json;
using namespace hilt::solana;

json error_json(const Error& error) {
    return {{"error", std::string(to_string(error.code))},
            {"message", error.message},
            {"field", error.field}};
}

// Test-only input decoding: a malformed request is a bug in the node test, so it aborts loudly.
PublicKey key_of(const json& value) {
    auto key = PublicKey::parse(value.get<std::string>());
    if (!key) {
        std::fprintf(stderr, "ops_solana: bad key in request: %s\n", value.dump().c_str());
        std::abort();
    }
    return *key;
}

std::uint64_t u64_of(const json& value) {
    return value.is_string() ? std::stoull(value.get<std::string>()) : value.get<std::uint64_t>();
}

std::string opt_key(const std::optional<PublicKey>& key) { return key ? key->to_base58() : ""; }

json accounts_json(const std::vector<ResolvedAccount>& accounts) {
    json out = json::array();
    for (const auto& account : accounts) {
        out.push_back({{"key", opt_key(account.key)},
                       {"is_signer", account.is_signer},
                       {"is_writable", account.is_writable}});
    }
    return out;
}

json approve_json(const TokenApprove& a) {
    return {{"token_program", a.token_program.to_base58()},
            {"checked", a.checked},
            {"source", opt_key(a.source)},
            {"mint", opt_key(a.mint)},
            {"delegate", opt_key(a.delegate)},
            {"owner", opt_key(a.owner)},
            {"amount", std::to_string(a.amount)},
            {"decimals", a.decimals ? json(*a.decimals) : json(nullptr)},
            {"extra_accounts", accounts_json(a.extra_accounts)}};
}

json revoke_json(const TokenRevoke& r) {
    return {{"token_program", r.token_program.to_base58()},
            {"source", opt_key(r.source)},
            {"owner", opt_key(r.owner)},
            {"extra_accounts", accounts_json(r.extra_accounts)}};
}

json report_json(const TransactionReport& report) {
    json out;
    out["version"] = report.version == MessageVersion::V0 ? "v0" : "legacy";
    out["signature"] = report.signature;
    out["fee_payer"] = report.fee_payer.to_base58();
    out["recent_blockhash"] = report.recent_blockhash.to_base58();
    out["signers"] = json::array();
    for (const auto& signer : report.signers) {
        out["signers"].push_back({{"key", signer.key.to_base58()},
                                  {"is_writable", signer.is_writable},
                                  {"signature", std::string(to_string(signer.signature))}});
    }
    out["programs"] = json::array();
    for (const auto& program : report.programs) out["programs"].push_back(program.to_base58());
    out["instructions"] = json::array();
    for (const auto& instruction : report.instructions) {
        out["instructions"].push_back(std::string(to_string(instruction.kind)));
    }
    out["sol_transfers"] = json::array();
    for (const auto& t : report.sol_transfers) {
        out["sol_transfers"].push_back({{"from", opt_key(t.from)},
                                        {"to", opt_key(t.to)},
                                        {"lamports", std::to_string(t.lamports)},
                                        {"extra_accounts", accounts_json(t.extra_accounts)}});
    }
    out["token_transfers"] = json::array();
    for (const auto& t : report.token_transfers) {
        out["token_transfers"].push_back(
            {{"token_program", t.token_program.to_base58()},
             {"checked", t.checked},
             {"source", opt_key(t.source)},
             {"mint", opt_key(t.mint)},
             {"destination", opt_key(t.destination)},
             {"authority", opt_key(t.authority)},
             {"amount", std::to_string(t.amount)},
             {"decimals", t.decimals ? json(*t.decimals) : json(nullptr)},
             {"extra_accounts", accounts_json(t.extra_accounts)}});
    }
    out["token_approvals"] = json::array();
    for (const auto& a : report.token_approvals) out["token_approvals"].push_back(approve_json(a));
    out["token_revokes"] = json::array();
    for (const auto& r : report.token_revokes) out["token_revokes"].push_back(revoke_json(r));
    out["memos"] = json::array();
    for (const auto& memo : report.memos) out["memos"].push_back(memo.text);
    const auto& cb = report.compute_budget;
    out["compute_budget"] = {
        {"unit_limit", cb.unit_limit ? json(*cb.unit_limit) : json(nullptr)},
        {"unit_price", cb.unit_price_micro_lamports
                           ? json(std::to_string(*cb.unit_price_micro_lamports))
                           : json(nullptr)}};
    out["references"] = json::array();
    for (const auto& reference : report.references)
        out["references"].push_back(reference.to_base58());
    out["unresolved_account_count"] = report.unresolved_account_count;
    return out;
}

// {"owner", "mint", "token_program"?} -> {"address", "bump"}
json ata_op(const json& request) {
    const PublicKey program =
        request.contains("token_program") ? key_of(request["token_program"]) : programs::kToken;
    auto ata =
        associated_token_address(key_of(request.at("owner")), key_of(request.at("mint")), program);
    if (!ata) return error_json(ata.error());
    return {{"address", ata->address.to_base58()}, {"bump", ata->bump}};
}

// {"version": "legacy"|"v0", "payer_seed_hex", "blockhash", "cu_limit"?, "cu_price"?, "memo"?,
//  "references": [...], "sol": {"recipient", "lamports"} | "spl": {"mint", "recipient_owner",
//  "amount", "decimals", "create_ata", "approve"?: {"delegate", "amount"}}}
//  -> {"base64", "signature"}
// Instruction order: [limit, price, create ATA, memo, transfer, approve], each only when requested;
// the approval is an ApproveChecked of the payer's ATA for the transfer's mint and decimals.
json build_payment_op(const json& request) {
    Bytes32 seed{};
    auto seed_bytes = hex_decode(request.at("payer_seed_hex").get<std::string>());
    if (!seed_bytes || seed_bytes->size() != seed.size()) return {{"error", "bad_request"}};
    std::copy(seed_bytes->begin(), seed_bytes->end(), seed.begin());
    const auto keypair = ed25519_keypair_from_seed(seed);
    const PublicKey payer = PublicKey::from_bytes(keypair.public_key);

    std::vector<PublicKey> references;
    if (request.contains("references")) {
        for (const auto& r : request["references"]) references.push_back(key_of(r));
    }
    std::vector<Instruction> instructions;
    if (request.contains("cu_limit")) {
        instructions.push_back(set_compute_unit_limit(request["cu_limit"].get<std::uint32_t>()));
    }
    if (request.contains("cu_price"))
        instructions.push_back(set_compute_unit_price(u64_of(request["cu_price"])));
    Instruction transfer;
    std::optional<Instruction> approval;
    if (request.contains("sol")) {
        const auto& sol = request["sol"];
        transfer = system_transfer(payer, key_of(sol.at("recipient")), u64_of(sol.at("lamports")));
        for (const auto& r : references) transfer.accounts.push_back({r, false, false});
    } else {
        const auto& spl = request.at("spl");
        const PublicKey mint = key_of(spl.at("mint"));
        const PublicKey owner = key_of(spl.at("recipient_owner"));
        auto source = associated_token_address(payer, mint);
        auto destination = associated_token_address(owner, mint);
        if (!source) return error_json(source.error());
        if (!destination) return error_json(destination.error());
        if (spl.value("create_ata", false)) {
            auto create = create_associated_token_account_idempotent(payer, owner, mint);
            if (!create) return error_json(create.error());
            instructions.push_back(*create);
        }
        transfer = token_transfer_checked(source->address, mint, destination->address, payer,
                                          u64_of(spl.at("amount")),
                                          spl.at("decimals").get<std::uint8_t>(), references);
        if (spl.contains("approve")) {
            const auto& approve = spl["approve"];
            approval = token_approve_checked(source->address, mint, key_of(approve.at("delegate")),
                                             payer, u64_of(approve.at("amount")),
                                             spl.at("decimals").get<std::uint8_t>());
        }
    }
    if (request.contains("memo")) {
        auto note = memo(request["memo"].get<std::string>());
        if (!note) return error_json(note.error());
        instructions.push_back(*note);
    }
    instructions.push_back(transfer);
    if (approval) instructions.push_back(*approval);

    const auto version = request.value("version", std::string("legacy")) == "v0"
                             ? MessageVersion::V0
                             : MessageVersion::Legacy;
    auto message = compile_message(payer, instructions, key_of(request.at("blockhash")), version);
    if (!message) return error_json(message.error());
    auto transaction = make_unsigned_transaction(*message);
    if (!transaction) return error_json(transaction.error());
    const std::array<const Ed25519Keypair*, 1> signers{&keypair};
    auto signed_ok = sign_transaction(*transaction, signers);
    if (!signed_ok) return error_json(signed_ok.error());
    auto wire = serialize_transaction(*transaction);
    if (!wire) return error_json(wire.error());
    return {{"base64", base64_encode(*wire)}, {"signature", transaction_id(*transaction)}};
}

// {"kind": "approve_checked"|"revoke"|"close_account", "token_program"?, "source"|"account",
//  "mint", "delegate", "destination", "owner", "amount", "decimals"} (each kind reads its own)
//  -> {"program_id", "keys": [{"pubkey", "isSigner", "isWritable"}], "data_hex"}, web3.js's shape.
json token_instruction_op(const json& request) {
    const PublicKey program =
        request.contains("token_program") ? key_of(request["token_program"]) : programs::kToken;
    const std::string kind = request.at("kind").get<std::string>();
    const PublicKey owner = key_of(request.at("owner"));
    Instruction instruction;
    if (kind == "approve_checked") {
        instruction = token_approve_checked(
            key_of(request.at("source")), key_of(request.at("mint")),
            key_of(request.at("delegate")), owner, u64_of(request.at("amount")),
            request.at("decimals").get<std::uint8_t>(), program);
    } else if (kind == "revoke") {
        instruction = token_revoke(key_of(request.at("source")), owner, program);
    } else if (kind == "close_account") {
        instruction = token_close_account(key_of(request.at("account")),
                                          key_of(request.at("destination")), owner, program);
    } else {
        return {{"error", "bad_request"}};
    }
    json keys = json::array();
    for (const auto& meta : instruction.accounts) {
        keys.push_back({{"pubkey", meta.pubkey.to_base58()},
                        {"isSigner", meta.is_signer},
                        {"isWritable", meta.is_writable}});
    }
    return {{"program_id", instruction.program_id.to_base58()},
            {"keys", keys},
            {"data_hex", hex_encode(instruction.data)}};
}

// {"program_id", "keys": [{"pubkey", "isSigner", "isWritable"}], "data_hex"} -> {"approve": …} or
// {"revoke": …} (each decoder's answer, or its error).
json decode_token_op(const json& request) {
    ResolvedInstruction instruction;
    instruction.program_id = key_of(request.at("program_id"));
    for (const auto& k : request.at("keys")) {
        instruction.accounts.push_back(
            {key_of(k.at("pubkey")), k.at("isSigner").get<bool>(), k.at("isWritable").get<bool>()});
    }
    auto data = hex_decode(request.at("data_hex").get<std::string>());
    if (!data) return error_json(data.error());
    instruction.data = *data;
    auto approve = decode_token_approve(instruction);
    auto revoke = decode_token_revoke(instruction);
    return {{"approve", approve ? approve_json(*approve) : error_json(approve.error())},
            {"revoke", revoke ? revoke_json(*revoke) : error_json(revoke.error())}};
}

// {"base64"} -> {"base64" (re-serialized), "signatures_valid", "report"} or an error.
json inspect_op(const json& request) {
    auto transaction = parse_transaction_base64(request.at("base64").get<std::string>());
    if (!transaction) return error_json(transaction.error());
    auto wire = serialize_transaction(*transaction);
    if (!wire) return error_json(wire.error());
    return {{"base64", base64_encode(*wire)},
            {"signatures_valid", verify_transaction_signatures(*transaction).ok()},
            {"report", report_json(inspect_transaction(*transaction))}};
}

// {"base64", "expect": {"payer", "token_transfers": [{destination, mint, amount, decimals}],
//  "sol_transfers": [{destination, lamports}], "reference"?, "memo"?,
//  "approval"?: {source, mint, delegate, amount, decimals}, "allowed_programs": [...]}}
//  -> {"ok": true} or an error.
json check_payment_op(const json& request) {
    auto transaction = parse_transaction_base64(request.at("base64").get<std::string>());
    if (!transaction) return error_json(transaction.error());
    const auto& expect = request.at("expect");
    PaymentExpectation expected;
    expected.payer = key_of(expect.at("payer"));
    for (const auto& t : expect.value("token_transfers", json::array())) {
        expected.token_transfers.push_back({key_of(t.at("destination")), key_of(t.at("mint")),
                                            u64_of(t.at("amount")),
                                            t.at("decimals").get<std::uint8_t>()});
    }
    for (const auto& t : expect.value("sol_transfers", json::array())) {
        expected.sol_transfers.push_back({key_of(t.at("destination")), u64_of(t.at("lamports"))});
    }
    if (expect.contains("reference")) expected.reference = key_of(expect["reference"]);
    if (expect.contains("memo")) expected.memo = expect["memo"].get<std::string>();
    if (expect.contains("approval")) {
        const auto& a = expect["approval"];
        expected.approval =
            ExpectedApproval{key_of(a.at("source")), key_of(a.at("mint")), key_of(a.at("delegate")),
                             u64_of(a.at("amount")), a.at("decimals").get<std::uint8_t>()};
    }
    for (const auto& p : expect.at("allowed_programs"))
        expected.allowed_programs.push_back(key_of(p));
    auto checked = check_payment(inspect_transaction(*transaction), expected);
    if (!checked) return error_json(checked.error());
    return {{"ok", true}};
}

HILT_ORACLE_OP("solana_ata", ata_op);
HILT_ORACLE_OP("solana_build_payment", build_payment_op);
HILT_ORACLE_OP("solana_token_instruction", token_instruction_op);
HILT_ORACLE_OP("solana_decode_token", decode_token_op);
HILT_ORACLE_OP("solana_inspect", inspect_op);
HILT_ORACLE_OP("solana_check_payment", check_payment_op);

}  // namespace
}  // namespace hilt::oracle
