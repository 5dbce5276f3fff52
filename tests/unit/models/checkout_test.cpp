// Tests for shared/models/checkout.h beyond the golden fixtures: invariants the flow relies on.
#include <gtest/gtest.h>

#include "models/checkout.h"
#include "support/fixtures.h"

namespace hilt::models {
namespace {

Json fixture(const char* name) {
    return Json::parse(hilt::test::read_fixture(std::string("models/") + name), nullptr, false);
}

TEST(ConnectResponse, RejectsAFeeSplitThatDoesNotAddUp) {
    Json json = fixture("connect_response.json");
    json["fee_minor_units"] = 250001;
    auto result = parse<ConnectResponse>(dump_json(json));
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, ErrorCode::InvalidValue);
    EXPECT_EQ(result.error().field, "fee_minor_units");
}

TEST(ConnectResponse, ReadsPhantomMobileOnlyWhenPresent) {
    Json json = fixture("connect_response.json");
    auto with = parse<ConnectResponse>(dump_json(json));
    ASSERT_TRUE(with) << describe(with.error());
    ASSERT_TRUE(with->phantom_mobile);
    EXPECT_EQ(with->phantom_mobile->cluster, Cluster::MainnetBeta);
    EXPECT_EQ(with->status, PaymentStatus::PendingSignature);
    EXPECT_EQ(format_timestamp(with->expires_at), "2026-11-29T12:00:00Z");
    json.erase("phantom_mobile");
    auto without = parse<ConnectResponse>(dump_json(json));
    ASSERT_TRUE(without);
    EXPECT_FALSE(without->phantom_mobile);
    EXPECT_FALSE(to_json(*without).contains("phantom_mobile"));
}

TEST(ConnectRequest, AnEmptyBodyIsAValidRequest) {
    auto result = parse<ConnectRequest>("{}");
    ASSERT_TRUE(result);
    EXPECT_FALSE(result->buyer_wallet || result->handoff_token || result->route);
    EXPECT_EQ(dump(*result), "{}");
}

TEST(Payment, ExpiredPaymentReadsAsFailedWithExpiredReason) {
    auto payment = parse<Payment>(hilt::test::read_fixture("models/payment_expired.json"));
    ASSERT_TRUE(payment) << describe(payment.error());
    EXPECT_EQ(payment->status, PaymentStatus::Failed);
    EXPECT_EQ(payment->failure_reason, FailureReason::Expired);
    EXPECT_TRUE(is_terminal(payment->status));
    EXPECT_FALSE(payment->delivery_value);
}

TEST(Payment, LateDefaultsToFalseWhenAbsent) {
    Json json = fixture("payment_expired.json");
    json.erase("late");
    auto payment = parse<Payment>(dump_json(json));
    ASSERT_TRUE(payment) << describe(payment.error());
    EXPECT_FALSE(payment->late);
}

TEST(Payment, RejectsATransactionSignatureOfTheWrongLength) {
    Json json = fixture("payment.json");
    json["tx_signature"] = "mvines9iiHiQTysrwkJjGf2gb9Ex9jXJX8ns3qwf2kN";
    auto payment = parse<Payment>(dump_json(json));
    ASSERT_FALSE(payment);
    EXPECT_EQ(payment.error().code, ErrorCode::InvalidLength);
    EXPECT_EQ(payment.error().field, "tx_signature");
}

TEST(ConfirmResponse, TransitionalAnswerCarriesOnlyIdAndStatus) {
    auto pending = parse<ConfirmResponse>(hilt::test::read_fixture("models/confirm_response_pending.json"));
    ASSERT_TRUE(pending) << describe(pending.error());
    EXPECT_EQ(pending->status, PaymentStatus::PendingConfirmation);
    EXPECT_FALSE(pending->delivery_type || pending->membership_id);
}

TEST(TransactionResponse, RejectsNegativeOrFloatBlockHeights) {
    Json json = fixture("transaction_response.json");
    json["last_valid_block_height"] = -1;
    EXPECT_EQ(parse<TransactionResponse>(dump_json(json)).error().code, ErrorCode::OutOfRange);
    auto text = dump_json(fixture("transaction_response.json"));
    text.replace(text.find("291840417"), 9, "291840417.5");
    EXPECT_EQ(parse<TransactionResponse>(text).error().code, ErrorCode::WrongType);
}

TEST(HandoffResolveResponse, HasNoPlaceForTheIdentityValue) {
    Json json = fixture("handoff_resolve_response.json");
    json["identity"]["value"] = "80351110224678912";
    auto result = parse<HandoffResolveResponse>(dump_json(json));
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, ErrorCode::UnknownField);
    EXPECT_EQ(result.error().field, "identity.value");
}

}  // namespace
}  // namespace hilt::models
