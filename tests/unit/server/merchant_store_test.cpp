// tests/unit/server/merchant_store_test.cpp: MerchantStore through its interface, on the SQLite backend.
#include "store/merchant_store.h"

#include <gtest/gtest.h>

#include "auth/api_keys.h"
#include "store/sqlite/sqlite_stores.h"

namespace hilt::server {
namespace {

class MerchantStoreTest : public ::testing::Test {
protected:
    void SetUp() override {
        auto stores = open_sqlite_stores(":memory:");
        ASSERT_TRUE(stores) << describe(stores.error());
        stores_ = std::move(*stores);
        store_ = stores_.merchants.get();
    }
    Stores stores_;
    MerchantStore* store_ = nullptr;  // the interface, as the routes hold it
};

TEST_F(MerchantStoreTest, CreatingAMerchantReturnsAWorkingFirstKey) {
    auto created = store_->create_merchant("Guild of Builders", 1000);
    ASSERT_TRUE(created) << describe(created.error());
    const auto& [merchant, key] = *created;
    EXPECT_EQ(merchant.merchant_id.rfind("mer_", 0), 0u);
    auto hash = hash_presented_api_key(key.secret);
    ASSERT_TRUE(hash);
    auto who = store_->authenticate(*hash);
    ASSERT_TRUE(who) << describe(who.error());
    EXPECT_EQ(who->merchant_id, merchant.merchant_id);
    EXPECT_EQ(who->name, "Guild of Builders");
}

TEST_F(MerchantStoreTest, RevokedKeysStopWorkingAndRevocationIsIdempotent) {
    auto created = store_->create_merchant("A", 1000);
    ASSERT_TRUE(created);
    const auto& [merchant, first] = *created;
    auto second = store_->create_key(merchant.merchant_id, std::string("bot"), 1001);
    ASSERT_TRUE(second);
    auto revoked = store_->revoke_key(merchant.merchant_id, first.record.key_id, 1002);
    ASSERT_TRUE(revoked);
    EXPECT_EQ(revoked->revoked_at, 1002);
    auto again = store_->revoke_key(merchant.merchant_id, first.record.key_id, 2000);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->revoked_at, 1002) << "the first revocation time stands";

    EXPECT_FALSE(store_->authenticate(*hash_presented_api_key(first.secret)));
    EXPECT_TRUE(store_->authenticate(*hash_presented_api_key(second->secret)));
    auto keys = store_->list_keys(merchant.merchant_id);
    ASSERT_TRUE(keys);
    ASSERT_EQ(keys->size(), 2u);
    EXPECT_EQ((*keys)[0].key_id, second->record.key_id) << "newest first";
}

TEST_F(MerchantStoreTest, OneMerchantCannotSeeOrRevokeAnothersKeys) {
    auto a = store_->create_merchant("A", 1000);
    auto b = store_->create_merchant("B", 1000);
    ASSERT_TRUE(a && b);
    auto revoke = store_->revoke_key(b->first.merchant_id, a->second.record.key_id, 1001);
    ASSERT_FALSE(revoke);
    EXPECT_EQ(revoke.error().code, ErrorCode::NotFound);
    EXPECT_TRUE(store_->authenticate(*hash_presented_api_key(a->second.secret)));
    auto keys = store_->list_keys(b->first.merchant_id);
    ASSERT_TRUE(keys);
    EXPECT_EQ(keys->size(), 1u);
}

TEST_F(MerchantStoreTest, NamesAreValidated) {
    auto empty = store_->create_merchant("", 1);
    ASSERT_FALSE(empty);
    EXPECT_EQ(empty.error().field, "name");
    auto long_name = store_->create_merchant(std::string(121, 'x'), 1);
    ASSERT_FALSE(long_name);
    EXPECT_EQ(long_name.error().code, ErrorCode::TooLong);
    EXPECT_TRUE(store_->create_merchant(std::string(120, 'x'), 1));
}

TEST_F(MerchantStoreTest, SubscriptionsAreOffUntilEnabledAndCanBeSwitchedOffAgain) {
    auto created = store_->create_merchant("Guild", 1000);
    ASSERT_TRUE(created) << describe(created.error());
    const auto& [merchant, key] = *created;
    EXPECT_FALSE(merchant.subscriptions_enabled);

    auto on = store_->set_subscriptions_enabled(merchant.merchant_id, true);
    ASSERT_TRUE(on) << describe(on.error());
    EXPECT_TRUE(on->subscriptions_enabled);
    EXPECT_EQ(on->name, "Guild");
    EXPECT_EQ(on->created_at, 1000);
    EXPECT_TRUE(store_->find_merchant(merchant.merchant_id)->subscriptions_enabled);
    auto who = store_->authenticate(*hash_presented_api_key(key.secret));
    ASSERT_TRUE(who) << describe(who.error());
    EXPECT_TRUE(who->subscriptions_enabled) << "what the product routes read";
    auto again = store_->set_subscriptions_enabled(merchant.merchant_id, true);
    ASSERT_TRUE(again) << "enabling an enabled workspace is not an error: " << describe(again.error());
    EXPECT_TRUE(again->subscriptions_enabled);

    auto off = store_->set_subscriptions_enabled(merchant.merchant_id, false);
    ASSERT_TRUE(off) << describe(off.error());
    EXPECT_FALSE(off->subscriptions_enabled);
    EXPECT_FALSE(store_->authenticate(*hash_presented_api_key(key.secret))->subscriptions_enabled);
}

TEST_F(MerchantStoreTest, SwitchingAnUnknownMerchantIsNotFoundAndChangesNothing) {
    auto other = store_->create_merchant("Other", 1000);
    ASSERT_TRUE(other);
    for (const std::string& id :
         std::vector<std::string>{"mer_unknown", "", other->first.merchant_id + "x"}) {
        SCOPED_TRACE(id);
        auto result = store_->set_subscriptions_enabled(id, true);
        ASSERT_FALSE(result) << "switched a merchant that does not exist";
        EXPECT_EQ(result.error().code, ErrorCode::NotFound) << describe(result.error());
    }
    auto unchanged = store_->find_merchant(other->first.merchant_id);
    ASSERT_TRUE(unchanged);
    EXPECT_FALSE(unchanged->subscriptions_enabled);
    EXPECT_FALSE(store_->find_merchant("mer_unknown")) << "nothing was created either";
}

}  // namespace
}  // namespace hilt::server
