// SessionSnapshot's stored JSON form (shared/flow/session_snapshot.h).
#include "flow/session_snapshot.h"

#include <gtest/gtest.h>

#include "support/fixtures.h"
#include "unit/flow/checkout_test_support.h"

namespace hilt::flow {
namespace {

using namespace hilt::flow::test;

Result<SessionSnapshot> parse_edited(void (*edit)(models::Json&)) {
    auto json = models::Json::parse(
        hilt::test::read_fixture("flow/snapshot_awaiting_signature.json"), nullptr, false);
    EXPECT_FALSE(json.is_discarded());
    edit(json);
    return parse_snapshot(json.dump());
}

TEST(SessionSnapshot, TheStoredFormReadsBackEveryField) {
    auto parsed = parse_snapshot(hilt::test::read_fixture("flow/snapshot_awaiting_signature.json"));
    ASSERT_TRUE(parsed) << describe(parsed.error());
    const SessionSnapshot& s = *parsed;
    EXPECT_EQ(s.version, 1);
    EXPECT_EQ(s.slug, "pro-pass-x7k2");
    EXPECT_EQ(s.handoff_token, "hot_token");
    ASSERT_TRUE(s.handoff);
    EXPECT_EQ(s.handoff->identity.display_name, "ada#4821");
    EXPECT_EQ(s.route, CheckoutRoute::PhantomMobile);
    EXPECT_EQ(s.session.payment_id, "pay_7Hq2sP");
    EXPECT_EQ(s.session.fee_minor_units, 250'000);
    EXPECT_EQ(s.session.expires_at.unix_seconds, 1'795'076'100);  // 2026-11-19T08:15:00Z
    ASSERT_TRUE(s.session.phantom_mobile);
    EXPECT_EQ(s.session.phantom_mobile->cluster, models::Cluster::Devnet);
    EXPECT_EQ(s.buyer_wallet, buyer_key());
    EXPECT_EQ(s.stage, SnapshotStage::AwaitingSignature);
    EXPECT_EQ(s.deeplink_request, 7u);
    EXPECT_EQ(s.last_request, 7u);
    EXPECT_FALSE(s.tx_signature);
}

TEST(SessionSnapshot, DumpThenParseGivesTheSameSnapshot) {
    SessionSnapshot s;
    s.slug = std::string(kSlug);
    s.route = CheckoutRoute::PhantomExtension;
    s.session = sample_session();
    s.buyer_wallet = buyer_key();
    s.stage = SnapshotStage::Submitted;
    s.tx_signature = std::string(kTxSignature);
    s.last_request = 42;
    auto back = parse_snapshot(dump_snapshot(s));
    ASSERT_TRUE(back) << describe(back.error());
    EXPECT_EQ(*back, s);

    s.handoff = sample_handoff();
    s.handoff_token = "hot_token";
    s.stage = SnapshotStage::AwaitingConnect;
    s.deeplink_request = 41;
    back = parse_snapshot(dump_snapshot(s));
    ASSERT_TRUE(back) << describe(back.error());
    EXPECT_EQ(*back, s);
}

TEST(SessionSnapshot, ASnapshotOfAnotherVersionIsRefused) {
    auto parsed = parse_edited([](models::Json& j) { j["version"] = 2; });
    ASSERT_FALSE(parsed);
    EXPECT_EQ(parsed.error().code, ErrorCode::OutOfRange);
    EXPECT_EQ(parsed.error().field, "version");
}

TEST(SessionSnapshot, TamperedValuesAreNamedErrorsWithTheirField) {
    auto unknown = parse_edited([](models::Json& j) { j["shared_secret"] = "x"; });
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.error().code, ErrorCode::UnknownField);

    auto stage = parse_edited([](models::Json& j) { j["stage"] = "paid"; });
    ASSERT_FALSE(stage);
    EXPECT_EQ(stage.error().code, ErrorCode::InvalidEnum);
    EXPECT_EQ(stage.error().field, "stage");

    auto id = parse_edited([](models::Json& j) { j["last_request"] = -1; });
    ASSERT_FALSE(id);
    EXPECT_EQ(id.error().field, "last_request");

    auto fee = parse_edited([](models::Json& j) { j["session"]["fee_minor_units"] = 1; });
    ASSERT_FALSE(fee) << "the fee split is checked inside the stored session too";
    EXPECT_EQ(fee.error().field, "session.fee_minor_units");

    auto missing = parse_edited([](models::Json& j) { j.erase("session"); });
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, ErrorCode::MissingField);
}

TEST(SessionSnapshot, GarbageAndOversizedTextAreRefusedWithoutThrowing) {
    for (const std::string text : {"", "{", "[]", "null", "42", "{\"version\":1}"}) {
        EXPECT_FALSE(parse_snapshot(text)) << text;
    }
    auto big = parse_snapshot(std::string(kMaxSnapshotBytes + 1, ' '));
    ASSERT_FALSE(big);
    EXPECT_EQ(big.error().code, ErrorCode::PayloadTooLarge);
}

}  // namespace
}  // namespace hilt::flow
