// Golden fixtures: every hand-written example in tests/fixtures/models parses and is written back as the
// same JSON value; every file in tests/fixtures/models/invalid is rejected with exactly its listed code and
// field.
#include <gtest/gtest.h>

#include "support/fixtures.h"
#include "unit/models/shapes.h"

namespace hilt::models::test {
namespace {

TEST(GoldenFixtures, EveryValidExampleParsesAndIsWrittenBackUnchanged) {
    for (const GoldenFixture& fixture : golden_fixtures()) {
        SCOPED_TRACE(std::string(fixture.file));
        const Shape* shape = find_shape(fixture.shape);
        ASSERT_NE(shape, nullptr);
        const std::string text = hilt::test::read_fixture("models/" + std::string(fixture.file));
        ASSERT_FALSE(text.empty());
        auto written = shape->round_trip(text);
        ASSERT_TRUE(written) << describe(written.error());
        const Json expected = Json::parse(text, nullptr, false);
        ASSERT_FALSE(expected.is_discarded());
        EXPECT_EQ(*written, expected) << "wrote " << dump_json(*written);
    }
}

TEST(GoldenFixtures, EveryShapeHasAtLeastOneValidExample) {
    for (const Shape& shape : all_shapes()) {
        if (shape.name == "membership_config") continue;  // covered inside product fixtures
        bool found = false;
        for (const GoldenFixture& fixture : golden_fixtures()) found |= fixture.shape == shape.name;
        EXPECT_TRUE(found) << shape.name;
    }
}

TEST(InvalidFixtures, EachIsRejectedWithExactlyTheListedCodeAndField) {
    const Json table = Json::parse(hilt::test::read_fixture("models/invalid/cases.json"), nullptr, false);
    ASSERT_TRUE(table.is_object() && table.contains("cases") && table["cases"].is_array());
    ASSERT_GE(table["cases"].size(), 50u);
    for (const Json& entry : table["cases"]) {
        const std::string file = entry["file"].get<std::string>();
        SCOPED_TRACE(file);
        const Shape* shape = find_shape(entry["shape"].get<std::string>());
        ASSERT_NE(shape, nullptr);
        const std::string text = hilt::test::read_fixture("models/invalid/" + file);
        auto result = shape->round_trip(text);
        ASSERT_FALSE(result) << "accepted: " << text.substr(0, 200);
        EXPECT_EQ(to_string(result.error().code), entry["code"].get<std::string>())
            << describe(result.error());
        EXPECT_EQ(result.error().field, entry["field"].get<std::string>()) << describe(result.error());
    }
}

}  // namespace
}  // namespace hilt::models::test
