// tests/unit/server/secrets_test.cpp: server keys in the store (the SQLite SecretStore) and as files
// (store/secrets.h). The files are read back here with plain POSIX calls, independently of the code
// under test.
#include "store/secrets.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <latch>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "store/sqlite/migrations.h"
#include "store/sqlite/sqlite_secret_store.h"
#include "temp_dir.h"

namespace hilt::server {
namespace {

namespace fs = std::filesystem;

std::string bytes_of(const SecretBytes<32>& secret) {
    return std::string(reinterpret_cast<const char*>(secret.data()), secret.size());
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_file(const fs::path& path, const std::string& content, mode_t mode) {
    {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out << content;
    }
    ASSERT_EQ(::chmod(path.c_str(), mode), 0);
}

mode_t mode_of(const fs::path& path) {
    struct stat info {};
    EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
    return info.st_mode & 07777;
}

std::vector<std::string> entries(const fs::path& dir) {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir)) {
        names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
}

class SecretTest : public ::testing::Test {
protected:
    void SetUp() override {
        auto db = Database::open(":memory:");
        ASSERT_TRUE(db) << describe(db.error());
        db_.emplace(std::move(*db));
        ASSERT_TRUE(migrate(*db_, hiltd_migrations()).ok());
        store_.emplace(*db_, mutex_);
    }

    Result<SecretBytes<32>> load(const std::string& name, const fs::path& key_dir) {
        return load_or_create_secret(*store_, name, 1000, key_dir.string());
    }

    test::TempDir temp_{"hilt-secrets"};
    fs::path root_ = temp_.path();
    std::optional<Database> db_;
    std::mutex mutex_;
    std::optional<SqliteSecretStore> store_;
};

// A SecretStore that only counts: file keys must never reach the store.
class CountingSecretStore final : public SecretStore {
public:
    Result<SecretBytes<32>> load_or_create(const std::string&, std::int64_t) override {
        ++calls;
        return fail(ErrorCode::Internal, "the store was asked for a file key");
    }
    int calls = 0;
};

TEST_F(SecretTest, AFileKeyIsCreatedAs32PrivateBytesInAPrivateFolder) {
    const fs::path dir = root_ / "state" / "keys";  // neither folder exists yet
    auto key = load("jwt_hs256", dir);
    ASSERT_TRUE(key) << describe(key.error());
    EXPECT_EQ(mode_of(dir), 0700u);
    const fs::path file = dir / "jwt_hs256.key";
    EXPECT_EQ(mode_of(file), 0600u);
    EXPECT_EQ(fs::file_size(file), 32u);
    EXPECT_EQ(read_file(file), bytes_of(*key));
    EXPECT_EQ(entries(dir), std::vector<std::string>{"jwt_hs256.key"})
        << "no temp file is left behind";
    EXPECT_NE(bytes_of(*key), std::string(32, '\0'));
}

TEST_F(SecretTest, AFileKeyIsTheSameOnEveryLaterLoad) {
    auto first = load("jwt_hs256", root_ / "keys");
    ASSERT_TRUE(first) << describe(first.error());
    for (int i = 0; i < 3; ++i) {
        auto again = load("jwt_hs256", root_ / "keys");
        ASSERT_TRUE(again) << describe(again.error());
        EXPECT_EQ(bytes_of(*again), bytes_of(*first));
    }
    auto other = load("receipt_seed", root_ / "keys");
    ASSERT_TRUE(other) << describe(other.error());
    EXPECT_NE(bytes_of(*other), bytes_of(*first)) << "each name has its own key";
}

TEST_F(SecretTest, AnExistingKeyFileIsUsedAsItIs) {
    fs::create_directories(root_ / "keys");
    std::string known(32, '\0');
    for (std::size_t i = 0; i < known.size(); ++i) known[i] = static_cast<char>(i * 7 + 1);
    write_file(root_ / "keys" / "jwt_hs256.key", known, 0400);
    auto key = load("jwt_hs256", root_ / "keys");
    ASSERT_TRUE(key) << describe(key.error());
    EXPECT_EQ(bytes_of(*key), known);
}

TEST_F(SecretTest, AKeyFolderWithATrailingSlashIsTheSameFolder) {
    auto key = load("jwt_hs256", (root_ / "keys").string() + "/");
    ASSERT_TRUE(key) << describe(key.error());
    EXPECT_EQ(mode_of(root_ / "keys"), 0700u);
    EXPECT_EQ(read_file(root_ / "keys" / "jwt_hs256.key"), bytes_of(*key));
}

TEST_F(SecretTest, ModesAreExactEvenUnderARestrictiveUmask) {
    const mode_t previous = ::umask(0277);
    auto key = load("jwt_hs256", root_ / "keys");
    ::umask(previous);
    ASSERT_TRUE(key) << describe(key.error());
    EXPECT_EQ(mode_of(root_ / "keys"), 0700u);
    EXPECT_EQ(mode_of(root_ / "keys" / "jwt_hs256.key"), 0600u);
}

TEST_F(SecretTest, AKeyFileOfTheWrongSizeIsRefusedAndLeftAlone) {
    for (const std::size_t size : {0u, 31u, 33u, 64u}) {
        SCOPED_TRACE(size);
        const fs::path dir = root_ / ("keys" + std::to_string(size));
        fs::create_directories(dir);
        const std::string content(size, 'k');
        write_file(dir / "jwt_hs256.key", content, 0600);
        auto key = load("jwt_hs256", dir);
        ASSERT_FALSE(key) << "a key file of " << size << " bytes was accepted";
        EXPECT_EQ(key.error().code, ErrorCode::InvalidKey) << describe(key.error());
        EXPECT_NE(key.error().message.find("jwt_hs256.key"), std::string::npos)
            << key.error().message;
        EXPECT_EQ(read_file(dir / "jwt_hs256.key"), content) << "never replaced";
    }
}

TEST_F(SecretTest, AKeyFileOpenToGroupOrOthersIsRefused) {
    for (const mode_t mode : {0640, 0604, 0660, 0644, 0620, 0602, 0700, 0610}) {
        SCOPED_TRACE(mode);
        const fs::path dir = root_ / ("keys" + std::to_string(mode));
        fs::create_directories(dir);
        write_file(dir / "jwt_hs256.key", std::string(32, 'k'), mode);
        auto key = load("jwt_hs256", dir);
        if (mode == 0700) {
            EXPECT_TRUE(key) << "owner-only bits are fine: " << describe(key.error());
            continue;
        }
        ASSERT_FALSE(key) << "mode " << std::oct << mode << " was accepted";
        EXPECT_EQ(key.error().code, ErrorCode::InvalidKey) << describe(key.error());
        EXPECT_EQ(mode_of(dir / "jwt_hs256.key"), mode) << "the file is not silently fixed";
    }
}

TEST_F(SecretTest, SomethingOtherThanAFileAtTheKeysPathIsRefused) {
    fs::create_directories(root_ / "dir" / "jwt_hs256.key");
    auto folder = load("jwt_hs256", root_ / "dir");
    ASSERT_FALSE(folder);
    EXPECT_EQ(folder.error().code, ErrorCode::InvalidKey) << describe(folder.error());

    fs::create_directories(root_ / "fifo");
    ASSERT_EQ(::mkfifo((root_ / "fifo" / "jwt_hs256.key").c_str(), 0600), 0);
    auto fifo = load("jwt_hs256", root_ / "fifo");  // must not block waiting for a writer
    ASSERT_FALSE(fifo);
    EXPECT_EQ(fifo.error().code, ErrorCode::InvalidKey) << describe(fifo.error());
}

TEST_F(SecretTest, AKeyFolderThatIsAFileIsAnError) {
    write_file(root_ / "not-a-folder", "x", 0600);
    auto key = load("jwt_hs256", root_ / "not-a-folder");
    ASSERT_FALSE(key);
    EXPECT_NE(key.error().message.find("not-a-folder"), std::string::npos) << describe(key.error());
}

TEST_F(SecretTest, NamesThatCouldLeaveTheFolderAreRefused) {
    fs::create_directories(root_ / "keys");
    for (const std::string name : {"../escape", "a/b", "", "Upper", "dot.name"}) {
        auto key = load(name, root_ / "keys");
        EXPECT_FALSE(key) << "name " << name << " was accepted";
    }
    EXPECT_TRUE(entries(root_ / "keys").empty());
    EXPECT_FALSE(fs::exists(root_ / "escape.key"));
}

TEST_F(SecretTest, ConcurrentFirstLoadsAgreeOnOneKey) {
    constexpr int kRounds = 20;
    constexpr int kThreads = 6;
    for (int round = 0; round < kRounds; ++round) {
        const fs::path dir = root_ / ("race" + std::to_string(round));
        std::vector<std::string> seen(kThreads);
        std::vector<std::string> errors(kThreads);
        std::latch start(kThreads);
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&, t] {
                start.arrive_and_wait();
                // Each thread has its own store and mutex: file keys must not rely on the store's lock.
                std::mutex own;
                SqliteSecretStore own_store(*db_, own);
                auto key = load_or_create_secret(own_store, "jwt_hs256", 1000, dir.string());
                if (key) {
                    seen[t] = bytes_of(*key);
                } else {
                    errors[t] = describe(key.error());
                }
            });
        }
        for (auto& thread : threads) thread.join();
        for (int t = 0; t < kThreads; ++t) {
            ASSERT_EQ(errors[t], "") << "round " << round << " thread " << t;
            EXPECT_EQ(seen[t], seen[0]) << "round " << round << " thread " << t;
        }
        EXPECT_EQ(read_file(dir / "jwt_hs256.key"), seen[0]);
        EXPECT_EQ(entries(dir), std::vector<std::string>{"jwt_hs256.key"}) << "round " << round;
    }
}

TEST_F(SecretTest, WithAKeyFolderTheStoreIsNeverAsked) {
    CountingSecretStore counting;
    auto key = load_or_create_secret(counting, "jwt_hs256", 1000, (root_ / "keys").string());
    ASSERT_TRUE(key) << describe(key.error());
    EXPECT_EQ(counting.calls, 0);
    EXPECT_EQ(read_file(root_ / "keys" / "jwt_hs256.key"), bytes_of(*key));
}

TEST_F(SecretTest, WithoutAKeyFolderTheKeyLivesInTheStoreAsBefore) {
    const fs::path cwd_before = fs::current_path();
    auto first = load_or_create_secret(*store_, "jwt_hs256", 1000);
    ASSERT_TRUE(first) << describe(first.error());
    auto again = load_or_create_secret(*store_, "jwt_hs256", 2000, "");
    ASSERT_TRUE(again) << describe(again.error());
    EXPECT_EQ(bytes_of(*again), bytes_of(*first));

    auto select =
        db_->prepare("SELECT value, created_at FROM server_secrets WHERE name = 'jwt_hs256'");
    ASSERT_TRUE(select) << describe(select.error());
    auto row = select->step();
    ASSERT_TRUE(row) << describe(row.error());
    ASSERT_EQ(*row, StepResult::Row);
    const auto stored = select->column_blob(0);
    EXPECT_EQ(std::string(stored.begin(), stored.end()), bytes_of(*first));
    EXPECT_EQ(select->column_int(1), 1000) << "the first start's row is kept";
    EXPECT_FALSE(fs::exists(cwd_before / "jwt_hs256.key"));
}

}  // namespace
}  // namespace hilt::server
