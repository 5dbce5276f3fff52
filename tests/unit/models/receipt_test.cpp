// Tests for shared/models/receipt.h. The golden receipt was signed by tweetnacl in node over the payload
// built in JavaScript (sorted keys, JSON.stringify), so verifying it checks our payload bytes too.
#include <gtest/gtest.h>

#include "models/receipt.h"
#include "support/fixtures.h"

namespace hilt::models {
namespace {

Receipt golden() {
    auto receipt = parse<Receipt>(hilt::test::read_fixture("models/receipt.json"));
    EXPECT_TRUE(receipt) << describe(receipt.error());
    return receipt.value_or(Receipt{});
}

TEST(Receipt, GoldenReceiptSignedByTweetnaclVerifies) { EXPECT_TRUE(verify_receipt(golden())); }

TEST(Receipt, AnyChangedFieldBreaksTheSignature) {
    Receipt receipt = golden();
    receipt.amount_minor_units += 1;
    receipt.merchant_amount_minor_units += 1;
    EXPECT_FALSE(verify_receipt(receipt));
    receipt = golden();
    receipt.buyer_wallet = receipt.merchant_wallet;
    EXPECT_FALSE(verify_receipt(receipt));
    receipt = golden();
    receipt.issued_at.unix_seconds += 1;
    EXPECT_FALSE(verify_receipt(receipt));
    receipt = golden();
    receipt.signature = "1";
    EXPECT_FALSE(verify_receipt(receipt));
}

TEST(Receipt, SignAndVerifyRoundTripWithANewKey) {
    Receipt receipt = golden();
    const Ed25519Keypair signer = ed25519_keypair_random();
    sign_receipt(receipt, signer);
    EXPECT_TRUE(verify_receipt(receipt));
    EXPECT_NE(receipt.signature, golden().signature);
    auto reparsed = parse<Receipt>(dump(receipt));
    ASSERT_TRUE(reparsed) << describe(reparsed.error());
    EXPECT_TRUE(verify_receipt(*reparsed));
}

TEST(Receipt, SigningPayloadStartsWithTheDomainAndExcludesTheSignature) {
    const std::string payload = receipt_signing_payload(golden());
    EXPECT_EQ(payload.rfind(kReceiptSigningDomain, 0), 0u);
    EXPECT_EQ(payload.find("\"signature\""), std::string::npos);
    EXPECT_NE(payload.find("\"amount_minor_units\":25000000"), std::string::npos);
}

}  // namespace
}  // namespace hilt::models
