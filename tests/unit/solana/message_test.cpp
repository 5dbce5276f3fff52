#include "solana/message.h"

#include <gtest/gtest.h>

#include <random>

#include "solana/instructions.h"
#include "solana_test_support.h"

namespace hilt::solana {
namespace {

using test::b64;
using test::hex;
using test::key;
using test::v4_message_by_hand;

// The V4 message: everything after the 1-byte count and the 64-byte signature of the wire
// transaction.
Bytes v4_message_bytes() {
    const Bytes wire = b64(test::kV4Base64);
    return Bytes(wire.begin() + 65, wire.end());
}

Error parse_error(const Bytes& bytes) {
    auto parsed = parse_message(bytes);
    if (parsed) {
        ADD_FAILURE() << "accepted " << hex_encode(bytes);
        return {};
    }
    return parsed.error();
}

TEST(Message, SerializesTheV4MessageBuiltByHand) {
    const Bytes expected = v4_message_bytes();
    ASSERT_EQ(expected.size(), 150u);
    auto bytes = serialize_message(v4_message_by_hand());
    ASSERT_TRUE(bytes) << describe(bytes.error());
    EXPECT_EQ(hex_encode(*bytes), hex_encode(expected));
}

TEST(Message, ParsesTheV4MessageBackToTheSameValue) {
    auto parsed = parse_message(v4_message_bytes());
    ASSERT_TRUE(parsed) << describe(parsed.error());
    EXPECT_EQ(*parsed, v4_message_by_hand());
    EXPECT_TRUE(parsed->is_signer(0));
    EXPECT_TRUE(parsed->is_writable(0));
    EXPECT_FALSE(parsed->is_signer(1));
    EXPECT_TRUE(parsed->is_writable(1));
    EXPECT_FALSE(parsed->is_writable(2));
}

TEST(Message, BuilderCompilesTheV4TransferToTheSameBytes) {
    const PublicKey payer = PublicKey::from_bytes(test::v1_keypair().public_key);
    const Instruction transfer = system_transfer(payer, key(test::kV4Recipient), 49);
    auto message = compile_message(payer, std::span(&transfer, 1), key(test::kV4Blockhash));
    ASSERT_TRUE(message) << describe(message.error());
    auto bytes = serialize_message(*message);
    ASSERT_TRUE(bytes);
    EXPECT_EQ(hex_encode(*bytes), hex_encode(v4_message_bytes()));
}

TEST(Message, V0WithoutLookupsIsTheLegacyBytesWithPrefixAndTrailingZero) {
    // solana-phantom.md §2.4
    Message v0 = v4_message_by_hand();
    v0.version = MessageVersion::V0;
    auto bytes = serialize_message(v0);
    ASSERT_TRUE(bytes);
    Bytes expected{0x80};
    const Bytes legacy = v4_message_bytes();
    expected.insert(expected.end(), legacy.begin(), legacy.end());
    expected.push_back(0);
    EXPECT_EQ(hex_encode(*bytes), hex_encode(expected));
    auto parsed = parse_message(expected);
    ASSERT_TRUE(parsed) << describe(parsed.error());
    EXPECT_EQ(*parsed, v0);
}

// A v0 message by hand: 2 static keys (payer, program), one lookup table loading 2 writable + 1
// readonly, one instruction using lookup accounts 2..4.
Bytes v0_with_lookups() {
    std::string text =
        "80"
        "010001"
        "02";
    text += std::string(64, '1');  // payer key: 32 × 0x11
    text += std::string(64, '2');  // program key: 32 × 0x22
    text += std::string(64, '3');  // blockhash
    text +=
        "01"
        "01"
        "04"
        "00020304"
        "01"
        "09";  // program 1, accounts [0,2,3,4], data 09
    text += "01" + std::string(64, '4') +
            "02"
            "0507"
            "01"
            "09";  // table 0x44…: writable [5,7], readonly [9]
    return hex(text);
}

TEST(Message, ParsesAndReserializesV0AddressTableLookups) {
    const Bytes bytes = v0_with_lookups();
    auto parsed = parse_message(bytes);
    ASSERT_TRUE(parsed) << describe(parsed.error());
    EXPECT_EQ(parsed->version, MessageVersion::V0);
    ASSERT_EQ(parsed->address_table_lookups.size(), 1u);
    const auto& lookup = parsed->address_table_lookups[0];
    EXPECT_EQ(hex_encode(lookup.account_key.bytes), std::string(64, '4'));
    EXPECT_EQ(lookup.writable_indexes, (std::vector<std::uint8_t>{5, 7}));
    EXPECT_EQ(lookup.readonly_indexes, (std::vector<std::uint8_t>{9}));
    EXPECT_EQ(parsed->total_account_count(), 5u);
    EXPECT_TRUE(parsed->is_writable(2));
    EXPECT_TRUE(parsed->is_writable(3));
    EXPECT_FALSE(parsed->is_writable(4));
    EXPECT_FALSE(parsed->is_signer(2));
    EXPECT_FALSE(parsed->static_key(2).has_value());
    auto again = serialize_message(*parsed);
    ASSERT_TRUE(again);
    EXPECT_EQ(*again, bytes);
}

TEST(Message, RejectsEveryTruncation) {
    for (const Bytes& full : {v4_message_bytes(), v0_with_lookups()}) {
        for (std::size_t size = 0; size < full.size(); ++size) {
            const Bytes prefix(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(size));
            auto parsed = parse_message(prefix);
            ASSERT_FALSE(parsed) << "accepted a prefix of " << size << " bytes";
            EXPECT_EQ(parsed.error().code, ErrorCode::MalformedTransaction) << size;
        }
    }
}

TEST(Message, RejectsTrailingBytes) {
    Bytes bytes = v4_message_bytes();
    bytes.push_back(0);
    EXPECT_EQ(parse_error(bytes).code, ErrorCode::MalformedTransaction);
}

TEST(Message, RejectsAReadonlyFeePayer) {
    Bytes bytes = v4_message_bytes();
    bytes[1] = 1;  // num_readonly_signed = num_required
    const Error error = parse_error(bytes);
    EXPECT_EQ(error.code, ErrorCode::MalformedTransaction);
    EXPECT_EQ(error.field, "header.num_readonly_signed_accounts");
}

TEST(Message, RejectsOverlappingSignerAndReadonlyRegions) {
    Bytes bytes = v4_message_bytes();
    bytes[2] = 3;  // 1 signer + 3 readonly unsigned > 3 keys
    const Error error = parse_error(bytes);
    EXPECT_EQ(error.code, ErrorCode::MalformedTransaction);
    EXPECT_EQ(error.field, "header");
}

TEST(Message, RejectsProgramIndexZeroAndOutOfRangeIndexes) {
    Message message = v4_message_by_hand();
    auto with = [&](std::uint8_t program, std::vector<std::uint8_t> accounts) {
        Message copy = message;
        copy.instructions[0].program_id_index = program;
        copy.instructions[0].accounts = std::move(accounts);
        // Serialize without validation by patching the valid bytes: program index is at offset
        // 3+1+96+32+1.
        Bytes bytes = v4_message_bytes();
        const std::size_t at = 3 + 1 + 3 * 32 + 32 + 1;
        bytes[at] = program;
        bytes[at + 2] = copy.instructions[0].accounts[0];
        bytes[at + 3] = copy.instructions[0].accounts[1];
        return parse_error(bytes);
    };
    EXPECT_EQ(with(0, {0, 1}).field, "instructions[0].program_id_index");
    EXPECT_EQ(with(3, {0, 1}).field, "instructions[0].program_id_index");
    const Error account = with(2, {0, 3});
    EXPECT_EQ(account.code, ErrorCode::MalformedTransaction);
    EXPECT_EQ(account.field, "instructions[0].accounts[1]");

    // The same rules refuse to serialize a hand-made invalid message.
    Message bad = message;
    bad.instructions[0].program_id_index = 0;
    EXPECT_FALSE(serialize_message(bad));
}

TEST(Message, RejectsDuplicateStaticKeys) {
    Bytes bytes = v4_message_bytes();
    // Copy the payer key (offset 4) over the recipient key (offset 36).
    std::copy_n(bytes.begin() + 4, 32, bytes.begin() + 36);
    const Error error = parse_error(bytes);
    EXPECT_EQ(error.code, ErrorCode::DuplicateAccount);
    EXPECT_EQ(error.field, "account_keys[1]");
}

TEST(Message, RejectsUnknownVersions) {
    Bytes bytes = v0_with_lookups();
    bytes[0] = 0x81;
    EXPECT_EQ(parse_error(bytes).code, ErrorCode::UnsupportedVersion);
    bytes[0] = 0xff;
    EXPECT_EQ(parse_error(bytes).code, ErrorCode::UnsupportedVersion);
}

TEST(Message, RejectsMoreThan1232Bytes) {
    Message message = v4_message_by_hand();
    message.instructions[0].data.resize(1100);
    auto bytes = serialize_message(message);
    ASSERT_TRUE(bytes);
    EXPECT_EQ(parse_error(*bytes).code, ErrorCode::TransactionTooLarge);
}

TEST(Message, RejectsV0ProgramsFromLookupTablesAndEmptyLookups) {
    Bytes program_from_table = v0_with_lookups();
    const std::size_t program_at = 4 + 1 + 64 + 32 + 1;
    program_from_table[program_at] = 2;  // index 2 is a lookup account
    EXPECT_EQ(parse_error(program_from_table).field, "instructions[0].program_id_index");

    auto parsed = parse_message(v0_with_lookups());
    ASSERT_TRUE(parsed);
    Message empty = *parsed;
    empty.address_table_lookups[0].writable_indexes.clear();
    empty.address_table_lookups[0].readonly_indexes.clear();
    empty.instructions[0].accounts = {0};
    auto bytes = serialize_message(empty);
    ASSERT_FALSE(bytes);
    EXPECT_EQ(bytes.error().field, "address_table_lookups[0]");

    Bytes index_past_lookups = v0_with_lookups();
    index_past_lookups[program_at + 2 + 3] = 5;  // accounts [0,2,3,5]: only 0..4 exist
    EXPECT_EQ(parse_error(index_past_lookups).field, "instructions[0].accounts[3]");
}

TEST(Message, NeverCrashesOnMutatedBytesAndReserializesWhatItAccepts) {
    std::mt19937 rng(20240601);
    const std::vector<Bytes> seeds{v4_message_bytes(), v0_with_lookups()};
    for (int round = 0; round < 20000; ++round) {
        Bytes bytes = seeds[static_cast<std::size_t>(round) % seeds.size()];
        const int edits = 1 + static_cast<int>(rng() % 4);
        for (int e = 0; e < edits; ++e) {
            const std::size_t at = rng() % bytes.size();
            switch (rng() % 3) {
                case 0:
                    bytes[at] = static_cast<std::uint8_t>(rng());
                    break;
                case 1:
                    bytes.erase(bytes.begin() + static_cast<std::ptrdiff_t>(at));
                    break;
                default:
                    bytes.insert(bytes.begin() + static_cast<std::ptrdiff_t>(at),
                                 static_cast<std::uint8_t>(rng()));
            }
            if (bytes.empty()) bytes.push_back(0);
        }
        auto parsed = parse_message(bytes);
        if (!parsed) continue;
        auto again = serialize_message(*parsed);
        ASSERT_TRUE(again) << hex_encode(bytes);
        ASSERT_EQ(*again, bytes) << "parse/serialize is not the identity on " << hex_encode(bytes);
    }
}

TEST(MessageBuilder, OrdersKeysByRoleThenFirstMention) {
    const PublicKey payer = key("11111111111111111111111111111112");
    const PublicKey a = key("11111111111111111111111111111113");  // readonly signer
    const PublicKey b = key("11111111111111111111111111111114");  // writable non-signer
    const PublicKey c = key("11111111111111111111111111111115");  // readonly non-signer
    const PublicKey d = key("11111111111111111111111111111116");  // writable signer
    const PublicKey program = key("11111111111111111111111111111117");
    const Instruction instruction{
        program, {{c, false, false}, {b, false, true}, {a, true, false}, {d, true, true}}, {0x42}};
    auto message = compile_message(payer, std::span(&instruction, 1), key(test::kV4Blockhash));
    ASSERT_TRUE(message) << describe(message.error());
    EXPECT_EQ(message->account_keys, (std::vector<PublicKey>{payer, d, a, b, program, c}));
    EXPECT_EQ(message->header, (MessageHeader{3, 1, 2}));
    ASSERT_EQ(message->instructions.size(), 1u);
    EXPECT_EQ(message->instructions[0].program_id_index, 4);
    EXPECT_EQ(message->instructions[0].accounts, (std::vector<std::uint8_t>{5, 3, 2, 1}));
    EXPECT_EQ(message->instructions[0].data, Bytes{0x42});
}

TEST(MessageBuilder, MergesDuplicateMetasKeepingTheStrongestFlags) {
    const PublicKey payer = key("11111111111111111111111111111112");
    const PublicKey x = key("11111111111111111111111111111113");
    const PublicKey program = key("11111111111111111111111111111117");
    // x appears readonly first, then as a signer, then writable: it ends up a writable signer.
    const std::vector<Instruction> instructions{
        {program, {{x, false, false}, {payer, false, false}}, {}},
        {program, {{x, true, false}}, {}},
        {program, {{x, false, true}}, {}},
    };
    auto message =
        compile_message(payer, instructions, key(test::kV4Blockhash), MessageVersion::V0);
    ASSERT_TRUE(message) << describe(message.error());
    EXPECT_EQ(message->version, MessageVersion::V0);
    EXPECT_EQ(message->account_keys, (std::vector<PublicKey>{payer, x, program}));
    EXPECT_EQ(message->header, (MessageHeader{2, 0, 1}));
    EXPECT_EQ(message->instructions[0].accounts, (std::vector<std::uint8_t>{1, 0}));
}

TEST(MessageBuilder, RefusesAFeePayerThatIsAlsoTheProgram) {
    const PublicKey payer = key("11111111111111111111111111111112");
    const Instruction instruction{payer, {}, {}};
    auto message = compile_message(payer, std::span(&instruction, 1), key(test::kV4Blockhash));
    ASSERT_FALSE(message);
    EXPECT_EQ(message.error().code, ErrorCode::MalformedTransaction);
}

TEST(MessageBuilder, RefusesMoreThan256AccountsAndOversizedTransactions) {
    const PublicKey payer = key("11111111111111111111111111111112");
    Instruction wide{programs::kMemo, {}, {}};
    for (int i = 0; i < 300; ++i) {
        PublicKey k;
        k.bytes[0] = 0xaa;
        k.bytes[1] = static_cast<std::uint8_t>(i);
        k.bytes[2] = static_cast<std::uint8_t>(i >> 8);
        wide.accounts.push_back({k, false, false});
    }
    auto too_many = compile_message(payer, std::span(&wide, 1), key(test::kV4Blockhash));
    ASSERT_FALSE(too_many);
    EXPECT_EQ(too_many.error().code, ErrorCode::TooMany);

    const Instruction big{programs::kMemo, {}, Bytes(1100, 'a')};
    auto too_large = compile_message(payer, std::span(&big, 1), key(test::kV4Blockhash));
    ASSERT_FALSE(too_large);
    EXPECT_EQ(too_large.error().code, ErrorCode::TransactionTooLarge);

    // Just under the limit: 1 + 64 + 3 + 1 + 64 + 32 + 1 + (1 + 1 + 2 + n) = 1232 → n = 1062.
    const Instruction fits{programs::kMemo, {}, Bytes(1062, 'a')};
    EXPECT_TRUE(compile_message(payer, std::span(&fits, 1), key(test::kV4Blockhash)));
    const Instruction one_more{programs::kMemo, {}, Bytes(1063, 'a')};
    EXPECT_FALSE(compile_message(payer, std::span(&one_more, 1), key(test::kV4Blockhash)));
}

}  // namespace
}  // namespace hilt::solana
