// tests/unit/server/sqlite_stores_test.cpp: open_sqlite_stores, the SQLite backend's factory. Every
// store is reached through its interface (as App and the routes hold them), over one file that a
// reopen finds again, as a restart would.
#include "store/sqlite/sqlite_stores.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "auth/api_keys.h"
#include "temp_dir.h"

namespace hilt::server {
namespace {

namespace fs = std::filesystem;

class SqliteStoresTest : public ::testing::Test {
protected:
    std::string db_path() const { return (dir_ / "hilt.sqlite").string(); }

    test::TempDir temp_{"hilt-stores"};
    fs::path dir_ = temp_.path();
};

TEST_F(SqliteStoresTest, EveryStoreIsOpened) {
    auto stores = open_sqlite_stores(":memory:");
    ASSERT_TRUE(stores) << describe(stores.error());
    EXPECT_NE(stores->backend, nullptr);
    EXPECT_NE(stores->merchants, nullptr);
    EXPECT_NE(stores->products, nullptr);
    EXPECT_NE(stores->idempotency, nullptr);
    EXPECT_NE(stores->payments, nullptr);
    EXPECT_NE(stores->secrets, nullptr);
}

TEST_F(SqliteStoresTest, WhatTheInterfacesWroteIsThereAfterAReopen) {
    std::string secret_hash;
    std::string merchant_id;
    std::string secret;
    {
        auto stores = open_sqlite_stores(db_path());
        ASSERT_TRUE(stores) << describe(stores.error());
        MerchantStore& merchants = *stores->merchants;
        auto created = merchants.create_merchant("Guild of Builders", 1000);
        ASSERT_TRUE(created) << describe(created.error());
        merchant_id = created->first.merchant_id;
        auto hash = hash_presented_api_key(created->second.secret);
        ASSERT_TRUE(hash) << describe(hash.error());
        secret_hash = *hash;

        IdempotencyStore& idempotency = *stores->idempotency;
        auto begun = idempotency.begin(merchant_id, "key-1", "hash-a", 1000);
        ASSERT_TRUE(begun) << describe(begun.error());
        EXPECT_FALSE(*begun) << "a new key runs the request";
        ASSERT_TRUE(idempotency.finish(merchant_id, "key-1", {201, R"({"ok":true})"}));

        auto key = stores->secrets->load_or_create("jwt_hs256", 1000);
        ASSERT_TRUE(key) << describe(key.error());
        secret.assign(reinterpret_cast<const char*>(key->data()), key->size());
    }
    auto stores = open_sqlite_stores(db_path());
    ASSERT_TRUE(stores) << describe(stores.error());

    auto who = stores->merchants->authenticate(secret_hash);
    ASSERT_TRUE(who) << describe(who.error());
    EXPECT_EQ(who->merchant_id, merchant_id);

    auto replay = stores->idempotency->begin(merchant_id, "key-1", "hash-a", 1001);
    ASSERT_TRUE(replay) << describe(replay.error());
    ASSERT_TRUE(*replay) << "the same key and request replays the first answer";
    EXPECT_EQ((*replay)->status, 201);
    EXPECT_EQ((*replay)->body, R"({"ok":true})");
    auto other = stores->idempotency->begin(merchant_id, "key-1", "hash-b", 1002);
    ASSERT_FALSE(other);
    EXPECT_EQ(other.error().code, ErrorCode::IdempotencyMismatch) << describe(other.error());

    auto key = stores->secrets->load_or_create("jwt_hs256", 2000);
    ASSERT_TRUE(key) << describe(key.error());
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(key->data()), key->size()), secret);
}

TEST_F(SqliteStoresTest, AFileThatCannotBeOpenedIsAnError) {
    auto stores = open_sqlite_stores((dir_ / "missing" / "folder" / "hilt.sqlite").string());
    ASSERT_FALSE(stores);
    EXPECT_EQ(stores.error().code, ErrorCode::Internal) << describe(stores.error());
}

}  // namespace
}  // namespace hilt::server
