// tests/support/fixtures.cpp: fixture reading, and the global test environment (libsodium initialised once).
#include "support/fixtures.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "crypto/sodium.h"

namespace hilt::test {

std::string fixture_path(std::string_view relative_path) {
    return std::string(HILT_FIXTURES_DIR) + "/" + std::string(relative_path);
}

std::string read_fixture(std::string_view relative_path) {
    std::ifstream in(fixture_path(relative_path), std::ios::binary);
    if (!in) {
        ADD_FAILURE() << "cannot read fixture " << fixture_path(relative_path);
        return {};
    }
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

namespace {
class CryptoEnvironment : public ::testing::Environment {
public:
    void SetUp() override {
        const auto ready = crypto_ready();
        ASSERT_TRUE(ready.ok()) << describe(ready.error());
    }
};
[[maybe_unused]] const auto* const kCryptoEnvironment =
    ::testing::AddGlobalTestEnvironment(new CryptoEnvironment);
}  // namespace

}  // namespace hilt::test
