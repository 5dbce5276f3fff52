#include "solana/transaction.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <string>

#include "solana/instructions.h"
#include "solana_test_support.h"

namespace hilt::solana {
namespace {

using test::b64;
using test::hex;
using test::key;

std::string signed_base64(Message message) {
    auto transaction = make_unsigned_transaction(std::move(message));
    if (!transaction) return "error: " + describe(transaction.error());
    const auto keypair = test::v1_keypair();
    const std::array<const Ed25519Keypair*, 1> signers{&keypair};
    auto signed_ok = sign_transaction(*transaction, signers);
    if (!signed_ok) return "error: " + describe(signed_ok.error());
    auto wire = serialize_transaction(*transaction);
    if (!wire) return "error: " + describe(wire.error());
    return base64_encode(*wire);
}

TEST(Transaction, SigningTheV4MessageByHandGivesTheWeb3jsWireBytes) {
    EXPECT_EQ(signed_base64(test::v4_message_by_hand()), test::kV4Base64);
}

TEST(Transaction, SigningTheV4TransferBuiltByTheBuilderGivesTheWeb3jsWireBytes) {
    const PublicKey payer = PublicKey::from_bytes(test::v1_keypair().public_key);
    const Instruction transfer = system_transfer(payer, key(test::kV4Recipient), 49);
    auto message = compile_message(payer, std::span(&transfer, 1), key(test::kV4Blockhash));
    ASSERT_TRUE(message) << describe(message.error());
    EXPECT_EQ(signed_base64(*message), test::kV4Base64);
}

TEST(Transaction, ParsesV4VerifiesItAndNamesItBySignatureZero) {
    auto transaction = parse_transaction_base64(test::kV4Base64);
    ASSERT_TRUE(transaction) << describe(transaction.error());
    EXPECT_EQ(transaction->message, test::v4_message_by_hand());
    EXPECT_TRUE(verify_transaction_signatures(*transaction));
    EXPECT_EQ(
        transaction_id(*transaction),
        "2q8Fs6wmDHcdNKJnVJoXYnDVqrWm8GYsxYt2QwUPvadkEQXinWJRwWVzxdUmJY9YH8iZETcXjk3ZdBcDUkuUtfKz");
    auto wire = serialize_transaction(*transaction);
    ASSERT_TRUE(wire);
    EXPECT_EQ(base64_encode(*wire), test::kV4Base64);
}

TEST(Transaction, TheUnsignedV4FormHasAZeroSlotThatDoesNotVerify) {
    auto transaction = make_unsigned_transaction(test::v4_message_by_hand());
    ASSERT_TRUE(transaction);
    auto wire = serialize_transaction(*transaction);
    ASSERT_TRUE(wire);
    Bytes expected = b64(test::kV4Base64);
    std::fill(expected.begin() + 1, expected.begin() + 65, 0);
    EXPECT_EQ(*wire, expected);
    EXPECT_EQ(signature_states(*transaction), std::vector<SignatureState>{SignatureState::Missing});
    auto verified = verify_transaction_signatures(*transaction);
    ASSERT_FALSE(verified);
    EXPECT_EQ(verified.error().code, ErrorCode::InvalidSignature);
    EXPECT_EQ(verified.error().field, "signatures[0]");
}

TEST(Transaction, ATamperedMessageFailsVerification) {
    Bytes wire = b64(test::kV4Base64);
    wire.back() ^= 1;  // 49 lamports becomes 48 + 1 bit elsewhere
    auto transaction = parse_transaction(wire);
    ASSERT_TRUE(transaction);
    EXPECT_EQ(signature_states(*transaction), std::vector<SignatureState>{SignatureState::Invalid});
    auto verified = verify_transaction_signatures(*transaction);
    ASSERT_FALSE(verified);
    EXPECT_EQ(verified.error().code, ErrorCode::InvalidSignature);
}

TEST(Transaction, ParsesTheGetTransactionV0ExampleAndVerifiesItsSignature) {
    // solana-com rpc/http/gettransaction.mdx, Base64 tab (solana-phantom.md §6 V6).
    const Bytes wire = b64(test::kV6Base64);
    ASSERT_EQ(wire.size(), 306u);
    auto transaction = parse_transaction(wire);
    ASSERT_TRUE(transaction) << describe(transaction.error());
    const Message& message = transaction->message;
    EXPECT_EQ(message.version, MessageVersion::V0);
    EXPECT_EQ(message.header, (MessageHeader{1, 0, 4}));
    const std::vector<PublicKey> keys{key("47eFuHR9ste9kopiJ9eRxcwahmE62JovbKe5r7AjANut"),
                                      key("9vLSZ1gujMzisVrK5r3ZBXLVJMrF3fp6BtAUDyD94nW2"),
                                      programs::kSystem,
                                      key("5kR7n7QJv85NrwwXdYWZ52qkRcyvXqKWDPNooYcfDV6e"),
                                      programs::kAssociatedToken,
                                      programs::kToken};
    EXPECT_EQ(message.account_keys, keys);
    EXPECT_EQ(message.recent_blockhash.to_base58(), "sammEBUaf2T7Tnr41i5YwWXXrMsTiP3NM6vbAc5tZGU");
    ASSERT_EQ(message.instructions.size(), 1u);
    EXPECT_EQ(message.instructions[0].program_id_index, 4);
    EXPECT_EQ(message.instructions[0].accounts, (std::vector<std::uint8_t>{0, 1, 0, 3, 2, 5}));
    EXPECT_EQ(message.instructions[0].data, Bytes{0});
    EXPECT_TRUE(message.address_table_lookups.empty());

    // The signature covers the message including its 0x80 prefix.
    EXPECT_TRUE(verify_transaction_signatures(*transaction));
    EXPECT_EQ(
        transaction_id(*transaction),
        "56rgv1Fqg7MHLoct3ESNx8DHeC2c5TFYyK1As35paWn2KYuRuXPFZK3XDEwkkZemVfmnKrkj17mMzz4N1d8kMYC4");
    auto again = serialize_transaction(*transaction);
    ASSERT_TRUE(again);
    EXPECT_EQ(*again, wire);
}

TEST(Transaction, ParsesTheSolanaPaySpecZeroSignatureExample) {
    // anza-xyz/solana-pay SPEC.md transaction request POST response (solana-phantom.md §6 V8).
    auto transaction = parse_transaction_base64(test::kV8Base64);
    ASSERT_TRUE(transaction) << describe(transaction.error());
    const Message& message = transaction->message;
    EXPECT_EQ(message.header, (MessageHeader{1, 0, 1}));
    EXPECT_EQ(message.account_keys,
              (std::vector<PublicKey>{key(test::kMerchant), programs::kSystem}));
    EXPECT_TRUE(message.recent_blockhash.is_zero());
    ASSERT_EQ(message.instructions.size(), 1u);
    EXPECT_EQ(message.instructions[0].program_id_index, 1);
    EXPECT_EQ(message.instructions[0].accounts, (std::vector<std::uint8_t>{0, 0}));
    EXPECT_EQ(hex_encode(message.instructions[0].data), "020000000000000000000000");
    EXPECT_EQ(signature_states(*transaction), std::vector<SignatureState>{SignatureState::Missing});
    EXPECT_FALSE(verify_transaction_signatures(*transaction));
}

TEST(Transaction, RejectsASignatureCountOtherThanTheHeaders) {
    const Bytes v4 = b64(test::kV4Base64);
    Bytes two{2};
    two.insert(two.end(), v4.begin() + 1, v4.begin() + 65);
    two.insert(two.end(), v4.begin() + 1, v4.end());
    auto extra = parse_transaction(two);
    ASSERT_FALSE(extra);
    EXPECT_EQ(extra.error().code, ErrorCode::MalformedTransaction);
    EXPECT_EQ(extra.error().field, "signatures");

    Bytes none{0};
    none.insert(none.end(), v4.begin() + 65, v4.end());
    auto missing = parse_transaction(none);
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().field, "signatures");
}

TEST(Transaction, RejectsTruncationTrailingBytesAndOversizeInput) {
    const Bytes v4 = b64(test::kV4Base64);
    for (std::size_t size = 0; size < v4.size(); ++size) {
        auto parsed = parse_transaction(ByteView(v4).first(size));
        ASSERT_FALSE(parsed) << size;
        EXPECT_EQ(parsed.error().code, ErrorCode::MalformedTransaction) << size;
    }
    Bytes trailing = v4;
    trailing.push_back(0);
    EXPECT_FALSE(parse_transaction(trailing));

    Bytes huge(1233, 0);
    auto too_large = parse_transaction(huge);
    ASSERT_FALSE(too_large);
    EXPECT_EQ(too_large.error().code, ErrorCode::TransactionTooLarge);
    auto bad_base64 = parse_transaction_base64("not base64!");
    ASSERT_FALSE(bad_base64);
    EXPECT_EQ(bad_base64.error().code, ErrorCode::InvalidBase64);
}

TEST(Transaction, SigningWithAKeyThatIsNotASignerFails) {
    auto transaction = make_unsigned_transaction(test::v4_message_by_hand());
    ASSERT_TRUE(transaction);
    Bytes32 seed{};
    seed.fill(9);
    const auto stranger = ed25519_keypair_from_seed(seed);
    const std::array<const Ed25519Keypair*, 1> signers{&stranger};
    auto signed_ok = sign_transaction(*transaction, signers);
    ASSERT_FALSE(signed_ok);
    EXPECT_EQ(signed_ok.error().code, ErrorCode::InvalidKey);
}

TEST(Transaction, ReportsEachSignerSlotSeparately) {
    Bytes32 seed_a{}, seed_b{};
    seed_a.fill(1);
    seed_b.fill(2);
    const auto a = ed25519_keypair_from_seed(seed_a);
    const auto b = ed25519_keypair_from_seed(seed_b);
    const PublicKey key_a = PublicKey::from_bytes(a.public_key);
    const PublicKey key_b = PublicKey::from_bytes(b.public_key);
    const Instruction both{programs::kMemo, {{key_b, true, false}}, {'h', 'i'}};
    auto message = compile_message(key_a, std::span(&both, 1), key(test::kV4Blockhash));
    ASSERT_TRUE(message);
    auto transaction = make_unsigned_transaction(*message);
    ASSERT_TRUE(transaction);
    const std::array<const Ed25519Keypair*, 1> only_a{&a};
    ASSERT_TRUE(sign_transaction(*transaction, only_a));
    EXPECT_EQ(signature_states(*transaction),
              (std::vector<SignatureState>{SignatureState::Valid, SignatureState::Missing}));
    auto verified = verify_transaction_signatures(*transaction);
    ASSERT_FALSE(verified);
    EXPECT_EQ(verified.error().field, "signatures[1]");
    const std::array<const Ed25519Keypair*, 1> only_b{&b};
    ASSERT_TRUE(sign_transaction(*transaction, only_b));
    EXPECT_TRUE(verify_transaction_signatures(*transaction));
}

// V11 (solana-phantom.md §6): keys [payer, payerATA, merchantATA, mint, reference, Memo, Token].
Message v11_message_by_hand() {
    Message message;
    message.header = {1, 0, 4};
    message.account_keys = {PublicKey::from_bytes(test::v1_keypair().public_key),
                            key(test::kV11PayerAta),
                            key(test::kV11MerchantAta),
                            key(test::kUsdcMainnet),
                            key(test::kV11Reference),
                            programs::kMemo,
                            programs::kToken};
    message.recent_blockhash = key(test::kV4Blockhash);
    message.instructions = {
        {5, {}, Bytes(as_bytes("OrderId5678").begin(), as_bytes("OrderId5678").end())},
        {6, {1, 3, 2, 0, 4}, hex("0c60e316000000000006")},
    };
    return message;
}

TEST(Transaction, SigningTheCheckoutShapedUsdcTransferGivesTheDocumentedSignature) {
    auto message_bytes = serialize_message(v11_message_by_hand());
    ASSERT_TRUE(message_bytes);
    EXPECT_EQ(message_bytes->size(), 293u);
    const std::string wire = signed_base64(v11_message_by_hand());
    auto parsed = parse_transaction_base64(wire);
    ASSERT_TRUE(parsed) << wire;
    EXPECT_EQ(b64(wire).size(), 358u);
    EXPECT_EQ(transaction_id(*parsed), test::kV11Signature);
}

TEST(Transaction, TheBuilderCompilesTheCheckoutTransferToTheSameInstructions) {
    const PublicKey payer = PublicKey::from_bytes(test::v1_keypair().public_key);
    auto memo_instruction = memo("OrderId5678");
    ASSERT_TRUE(memo_instruction);
    const PublicKey reference = key(test::kV11Reference);
    const std::vector<Instruction> instructions{
        *memo_instruction,
        token_transfer_checked(key(test::kV11PayerAta), key(test::kUsdcMainnet),
                               key(test::kV11MerchantAta), payer, 1'500'000, 6,
                               std::span(&reference, 1)),
    };
    auto built = compile_message(payer, instructions, key(test::kV4Blockhash));
    ASSERT_TRUE(built) << describe(built.error());
    const Message by_hand = v11_message_by_hand();
    EXPECT_EQ(built->header, by_hand.header);
    ASSERT_EQ(built->instructions.size(), by_hand.instructions.size());
    // Key order inside the readonly group differs (first mention vs the vector's); compare what
    // each instruction resolves to.
    for (std::size_t i = 0; i < by_hand.instructions.size(); ++i) {
        const auto ours = resolve_instruction(*built, i);
        const auto theirs = resolve_instruction(by_hand, i);
        EXPECT_EQ(ours.program_id, theirs.program_id) << i;
        EXPECT_EQ(ours.accounts, theirs.accounts) << i;
        EXPECT_EQ(ours.data, theirs.data) << i;
    }
    // Same set of keys (compared as base58 text: PublicKey's ordering is not needed here).
    auto names = [](const std::vector<PublicKey>& keys) {
        std::vector<std::string> out;
        for (const auto& k : keys) out.push_back(k.to_base58());
        std::sort(out.begin(), out.end());
        return out;
    };
    EXPECT_EQ(names(built->account_keys), names(by_hand.account_keys));
}

}  // namespace
}  // namespace hilt::solana
