// shared/solana/instructions.cpp: instruction layouts. Sources: solana-sdk system-interface
// instruction.rs, token interface/src/instruction.rs (Approve 4, Revoke 5, CloseAccount 9,
// TransferChecked 12, ApproveChecked 13; the tags other than 12 are not in solana-phantom.md and
// are checked against @solana/spl-token by tests/oracle), associated-token-account
// interface/src/instruction.rs, memo interface/src/instruction.rs,
// compute-budget-interface/src/lib.rs (solana-phantom.md §3).
#include "solana/instructions.h"

#include "solana/pda.h"

namespace hilt::solana {
namespace {

constexpr std::uint32_t kSystemTransferIndex = 2;
constexpr std::uint8_t kTokenTransferTag = 3;
constexpr std::uint8_t kTokenApproveTag = 4;
constexpr std::uint8_t kTokenRevokeTag = 5;
constexpr std::uint8_t kTokenCloseAccountTag = 9;
constexpr std::uint8_t kTokenTransferCheckedTag = 12;
constexpr std::uint8_t kTokenApproveCheckedTag = 13;
constexpr std::uint8_t kAtaCreateTag = 0;
constexpr std::uint8_t kAtaCreateIdempotentTag = 1;

void put_u32(Bytes& out, std::uint32_t value) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}
void put_u64(Bytes& out, std::uint64_t value) {
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}
std::uint64_t get_le(const Bytes& data, std::size_t offset, std::size_t width) {
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < width; ++i) value |= std::uint64_t{data[offset + i]} << (8 * i);
    return value;
}

Error not_kind(std::string_view what) {
    return fail(ErrorCode::InvalidValue, "the instruction is not " + std::string(what));
}
Error malformed(std::string message, std::string field = {}) {
    return fail(ErrorCode::MalformedTransaction, std::move(message), std::move(field));
}

bool is_token_program(const PublicKey& program) {
    return program == programs::kToken || program == programs::kToken2022;
}

}  // namespace

// ---- builders
// -------------------------------------------------------------------------------------------

Instruction system_transfer(const PublicKey& from, const PublicKey& to, std::uint64_t lamports) {
    Instruction instruction{programs::kSystem, {{from, true, true}, {to, false, true}}, {}};
    put_u32(instruction.data, kSystemTransferIndex);
    put_u64(instruction.data, lamports);
    return instruction;
}

Instruction token_transfer_checked(const PublicKey& source, const PublicKey& mint,
                                   const PublicKey& destination, const PublicKey& owner,
                                   std::uint64_t amount, std::uint8_t decimals,
                                   std::span<const PublicKey> references,
                                   const PublicKey& token_program) {
    Instruction instruction{token_program,
                            {{source, false, true},
                             {mint, false, false},
                             {destination, false, true},
                             {owner, true, false}},
                            {}};
    for (const auto& reference : references)
        instruction.accounts.push_back({reference, false, false});
    instruction.data.push_back(kTokenTransferCheckedTag);
    put_u64(instruction.data, amount);
    instruction.data.push_back(decimals);
    return instruction;
}

Instruction token_approve_checked(const PublicKey& source, const PublicKey& mint,
                                  const PublicKey& delegate, const PublicKey& owner,
                                  std::uint64_t amount, std::uint8_t decimals,
                                  const PublicKey& token_program) {
    Instruction instruction{token_program,
                            {{source, false, true},
                             {mint, false, false},
                             {delegate, false, false},
                             {owner, true, false}},
                            {}};
    instruction.data.push_back(kTokenApproveCheckedTag);
    put_u64(instruction.data, amount);
    instruction.data.push_back(decimals);
    return instruction;
}

Instruction token_revoke(const PublicKey& source, const PublicKey& owner,
                         const PublicKey& token_program) {
    return Instruction{
        token_program, {{source, false, true}, {owner, true, false}}, {kTokenRevokeTag}};
}

Instruction token_close_account(const PublicKey& account, const PublicKey& destination,
                                const PublicKey& owner, const PublicKey& token_program) {
    return Instruction{token_program,
                       {{account, false, true}, {destination, false, true}, {owner, true, false}},
                       {kTokenCloseAccountTag}};
}

Result<Instruction> create_associated_token_account_idempotent(const PublicKey& funder,
                                                               const PublicKey& owner,
                                                               const PublicKey& mint,
                                                               const PublicKey& token_program) {
    auto address = associated_token_address(owner, mint, token_program);
    if (!address) return address.error();
    return Instruction{programs::kAssociatedToken,
                       {{funder, true, true},
                        {address->address, false, true},
                        {owner, false, false},
                        {mint, false, false},
                        {programs::kSystem, false, false},
                        {token_program, false, false}},
                       {kAtaCreateIdempotentTag}};
}

Result<Instruction> memo(std::string_view text) {
    if (!is_valid_utf8(text))
        return fail(ErrorCode::InvalidUtf8, "a memo must be valid UTF-8", "memo");
    return Instruction{programs::kMemo, {}, Bytes(text.begin(), text.end())};
}

Instruction set_compute_unit_limit(std::uint32_t units) {
    Instruction instruction{programs::kComputeBudget, {}, {}};
    instruction.data.push_back(static_cast<std::uint8_t>(ComputeBudgetKind::SetComputeUnitLimit));
    put_u32(instruction.data, units);
    return instruction;
}

Instruction set_compute_unit_price(std::uint64_t micro_lamports_per_unit) {
    Instruction instruction{programs::kComputeBudget, {}, {}};
    instruction.data.push_back(static_cast<std::uint8_t>(ComputeBudgetKind::SetComputeUnitPrice));
    put_u64(instruction.data, micro_lamports_per_unit);
    return instruction;
}

// ---- decoding
// -------------------------------------------------------------------------------------------

ResolvedInstruction resolve_instruction(const Message& message, std::size_t index) {
    ResolvedInstruction resolved;
    if (index >= message.instructions.size()) return resolved;
    const auto& compiled = message.instructions[index];
    resolved.program_id = message.static_key(compiled.program_id_index).value_or(PublicKey{});
    resolved.accounts.reserve(compiled.accounts.size());
    for (const std::uint8_t account : compiled.accounts) {
        resolved.accounts.push_back({message.static_key(account), message.is_signer(account),
                                     message.is_writable(account)});
    }
    resolved.data = compiled.data;
    return resolved;
}

Result<SystemTransfer> decode_system_transfer(const ResolvedInstruction& instruction) {
    if (instruction.program_id != programs::kSystem) return not_kind("a System instruction");
    const auto& data = instruction.data;
    if (data.size() < 4 || get_le(data, 0, 4) != kSystemTransferIndex)
        return not_kind("a System transfer");
    if (data.size() < 12) return malformed("a System transfer needs 12 bytes of data", "data");
    if (instruction.accounts.size() < 2)
        return malformed("a System transfer needs 2 accounts", "accounts");
    SystemTransfer transfer;
    transfer.from = instruction.accounts[0].key;
    transfer.to = instruction.accounts[1].key;
    transfer.lamports = get_le(data, 4, 8);
    transfer.extra_accounts.assign(instruction.accounts.begin() + 2, instruction.accounts.end());
    return transfer;
}

Result<TokenTransfer> decode_token_transfer(const ResolvedInstruction& instruction) {
    if (!is_token_program(instruction.program_id)) return not_kind("an SPL Token instruction");
    const auto& data = instruction.data;
    if (data.empty() || (data[0] != kTokenTransferTag && data[0] != kTokenTransferCheckedTag)) {
        return not_kind("an SPL Token transfer");
    }
    TokenTransfer transfer;
    transfer.token_program = instruction.program_id;
    transfer.checked = data[0] == kTokenTransferCheckedTag;
    const std::size_t data_needed = transfer.checked ? 10 : 9;
    const std::size_t accounts_needed = transfer.checked ? 4 : 3;
    if (data.size() < data_needed)
        return malformed("the token transfer's data is too short", "data");
    if (instruction.accounts.size() < accounts_needed) {
        return malformed("the token transfer lacks accounts", "accounts");
    }
    transfer.amount = get_le(data, 1, 8);
    const auto& accounts = instruction.accounts;
    transfer.source = accounts[0].key;
    if (transfer.checked) {
        transfer.decimals = data[9];
        transfer.mint = accounts[1].key;
        transfer.destination = accounts[2].key;
        transfer.authority = accounts[3].key;
    } else {
        transfer.destination = accounts[1].key;
        transfer.authority = accounts[2].key;
    }
    transfer.extra_accounts.assign(accounts.begin() + static_cast<std::ptrdiff_t>(accounts_needed),
                                   accounts.end());
    return transfer;
}

Result<TokenApprove> decode_token_approve(const ResolvedInstruction& instruction) {
    if (!is_token_program(instruction.program_id)) return not_kind("an SPL Token instruction");
    const auto& data = instruction.data;
    if (data.empty() || (data[0] != kTokenApproveTag && data[0] != kTokenApproveCheckedTag)) {
        return not_kind("an SPL Token approval");
    }
    TokenApprove approve;
    approve.token_program = instruction.program_id;
    approve.checked = data[0] == kTokenApproveCheckedTag;
    const std::size_t data_needed = approve.checked ? 10 : 9;
    const std::size_t accounts_needed = approve.checked ? 4 : 3;
    if (data.size() < data_needed)
        return malformed("the token approval's data is too short", "data");
    if (instruction.accounts.size() < accounts_needed) {
        return malformed("the token approval lacks accounts", "accounts");
    }
    approve.amount = get_le(data, 1, 8);
    const auto& accounts = instruction.accounts;
    approve.source = accounts[0].key;
    if (approve.checked) {
        approve.decimals = data[9];
        approve.mint = accounts[1].key;
        approve.delegate = accounts[2].key;
        approve.owner = accounts[3].key;
    } else {
        approve.delegate = accounts[1].key;
        approve.owner = accounts[2].key;
    }
    approve.extra_accounts.assign(accounts.begin() + static_cast<std::ptrdiff_t>(accounts_needed),
                                  accounts.end());
    return approve;
}

Result<TokenRevoke> decode_token_revoke(const ResolvedInstruction& instruction) {
    if (!is_token_program(instruction.program_id)) return not_kind("an SPL Token instruction");
    // The tag alone: Revoke carries no data, and unpack ignores anything after the tag.
    if (instruction.data.empty() || instruction.data[0] != kTokenRevokeTag)
        return not_kind("an SPL Token revoke");
    if (instruction.accounts.size() < 2)
        return malformed("a token revoke needs 2 accounts", "accounts");
    TokenRevoke revoke;
    revoke.token_program = instruction.program_id;
    revoke.source = instruction.accounts[0].key;
    revoke.owner = instruction.accounts[1].key;
    revoke.extra_accounts.assign(instruction.accounts.begin() + 2, instruction.accounts.end());
    return revoke;
}

Result<CreateAssociatedTokenAccount> decode_create_associated_token_account(
    const ResolvedInstruction& instruction) {
    if (instruction.program_id != programs::kAssociatedToken) {
        return not_kind("an Associated Token Account instruction");
    }
    const auto& data = instruction.data;
    CreateAssociatedTokenAccount create;
    // Empty data is the original Create; otherwise one borsh byte with nothing after it.
    if (data.empty() || (data.size() == 1 && data[0] == kAtaCreateTag)) {
        create.idempotent = false;
    } else if (data.size() == 1 && data[0] == kAtaCreateIdempotentTag) {
        create.idempotent = true;
    } else {
        return not_kind("an associated token account creation");
    }
    if (instruction.accounts.size() < 6)
        return malformed("creating an ATA needs 6 accounts", "accounts");
    const auto& accounts = instruction.accounts;
    create.funder = accounts[0].key;
    create.address = accounts[1].key;
    create.owner = accounts[2].key;
    create.mint = accounts[3].key;
    create.system_program = accounts[4].key;
    create.token_program = accounts[5].key;
    return create;
}

Result<Memo> decode_memo(const ResolvedInstruction& instruction) {
    if (instruction.program_id != programs::kMemo && instruction.program_id != programs::kMemoV1) {
        return not_kind("a Memo");
    }
    std::string text(instruction.data.begin(), instruction.data.end());
    if (!is_valid_utf8(text))
        return fail(ErrorCode::InvalidUtf8, "the memo is not valid UTF-8", "data");
    return Memo{instruction.program_id, std::move(text), instruction.accounts};
}

Result<ComputeBudgetInstruction> decode_compute_budget(const ResolvedInstruction& instruction) {
    if (instruction.program_id != programs::kComputeBudget)
        return not_kind("a ComputeBudget instruction");
    const auto& data = instruction.data;
    if (data.empty() || data[0] < 1 || data[0] > 4)
        return not_kind("a known ComputeBudget instruction");
    ComputeBudgetInstruction decoded;
    decoded.kind = static_cast<ComputeBudgetKind>(data[0]);
    // Borsh refuses short and over-long data alike.
    const std::size_t width = decoded.kind == ComputeBudgetKind::SetComputeUnitPrice ? 8 : 4;
    if (data.size() != 1 + width) {
        return malformed("a ComputeBudget instruction of this kind has exactly " +
                             std::to_string(1 + width) + " bytes of data",
                         "data");
    }
    decoded.value = get_le(data, 1, width);
    return decoded;
}

bool is_valid_utf8(std::string_view text) {
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(text.data());
    const std::size_t size = text.size();
    std::size_t i = 0;
    while (i < size) {
        const std::uint8_t lead = bytes[i];
        if (lead < 0x80) {
            ++i;
            continue;
        }
        std::size_t length = 0;
        std::uint8_t low = 0x80, high = 0xbf;  // bounds of the second byte
        if (lead >= 0xc2 && lead <= 0xdf) {
            length = 2;
        } else if (lead == 0xe0) {
            length = 3, low = 0xa0;  // no overlong
        } else if (lead >= 0xe1 && lead <= 0xec) {
            length = 3;
        } else if (lead == 0xed) {
            length = 3, high = 0x9f;  // no surrogates
        } else if (lead >= 0xee && lead <= 0xef) {
            length = 3;
        } else if (lead == 0xf0) {
            length = 4, low = 0x90;  // no overlong
        } else if (lead >= 0xf1 && lead <= 0xf3) {
            length = 4;
        } else if (lead == 0xf4) {
            length = 4, high = 0x8f;  // nothing above U+10FFFF
        } else {
            return false;
        }
        if (size - i < length) return false;
        if (bytes[i + 1] < low || bytes[i + 1] > high) return false;
        for (std::size_t k = 2; k < length; ++k) {
            if (bytes[i + k] < 0x80 || bytes[i + k] > 0xbf) return false;
        }
        i += length;
    }
    return true;
}

}  // namespace hilt::solana
