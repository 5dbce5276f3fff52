// Hostile input: thousands of mutated fixtures, random JSON values and random bytes go into every parser.
// The only claims: each call returns a value or a named error (no crash, no abort, no exception, also as
// WASM), and anything accepted is written back to JSON that parses to the same value.
#include <gtest/gtest.h>

#include <random>

#include "support/fixtures.h"
#include "unit/models/shapes.h"

namespace hilt::models::test {
namespace {

constexpr std::uint64_t kSeed = 0x48494c54;  // "HILT"; change to explore, print on failure

class Fuzzer {
public:
    explicit Fuzzer(std::uint64_t seed) : rng_(seed) {}

    std::size_t below(std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(rng_() % n); }
    bool chance(unsigned percent) { return below(100) < percent; }

    std::string random_bytes(std::size_t max_size) {
        std::string out(below(max_size + 1), '\0');
        for (char& c : out) c = static_cast<char>(below(256));
        return out;
    }

    std::string mutate_text(std::string text) {
        static const std::string kAlphabet = "{}[]\":,0123456789eE.-+ \\ntrufalsn\xff\xc3\xa9\x80\xed";
        const std::size_t rounds = 1 + below(8);
        for (std::size_t i = 0; i < rounds; ++i) {
            const std::size_t pos = below(text.size() + 1);
            switch (below(6)) {
            case 0:
                if (pos < text.size()) text[pos] = static_cast<char>(below(256));
                break;
            case 1: text.insert(pos, 1, kAlphabet[below(kAlphabet.size())]); break;
            case 2: text.erase(pos, below(16)); break;
            case 3: text.insert(pos, text.substr(below(text.size() + 1), below(64))); break;
            case 4: text.resize(pos); break;
            default: text.insert(pos, std::string(below(40), "[{"[below(2)])); break;
            }
        }
        return text;
    }

    Json random_value(int depth) {
        switch (below(depth > 2 ? 6 : 8)) {
        case 0: return nullptr;
        case 1: return chance(50);
        case 2: {
            static const std::int64_t kInts[] = {0, -1, 1, 60, 61, 366, 367, 9007199254740991,
                                                 9007199254740992, -9007199254740992,
                                                 std::numeric_limits<std::int64_t>::max(),
                                                 std::numeric_limits<std::int64_t>::min()};
            return kInts[below(std::size(kInts))];
        }
        case 3: return std::numeric_limits<std::uint64_t>::max() - below(3);
        case 4: return chance(50) ? 1.0 : 1e300;
        case 5: {
            static const char* kStrings[] = {"", "PENDING_SIGNATURE", "USDC", "https://x.example/",
                                             "mvines9iiHiQTysrwkJjGf2gb9Ex9jXJX8ns3qwf2kN",
                                             "2026-11-29T12:00:00Z", "pay_1", "prod_1", "a-b",
                                             "EXPIRED", "DISCORD", "AAAA"};
            if (chance(30)) return random_bytes(80);  // may be invalid UTF-8
            if (chance(10)) return std::string(3000, 'x');
            return kStrings[below(std::size(kStrings))];
        }
        case 6: {
            Json array = Json::array();
            for (std::size_t i = below(4); i > 0; --i) array.push_back(random_value(depth + 1));
            return array;
        }
        default: {
            Json object = Json::object();
            for (std::size_t i = below(4); i > 0; --i) {
                object[chance(50) ? random_bytes(6) : "k" + std::to_string(below(9))] =
                    random_value(depth + 1);
            }
            return object;
        }
        }
    }

    // Replaces, removes or adds one member somewhere inside `json`.
    void mutate_value(Json& json, int depth = 0) {
        if (json.is_object() && !json.empty() && depth < 4 && chance(60)) {
            auto it = json.begin();
            std::advance(it, static_cast<std::ptrdiff_t>(below(json.size())));
            if (chance(70)) return mutate_value(*it, depth + 1);
            if (chance(50)) {
                json.erase(it);
            } else {
                json[it.key() + "x"] = random_value(0);
            }
            return;
        }
        if (json.is_array() && !json.empty() && depth < 4 && chance(60)) {
            return mutate_value(json[below(json.size())], depth + 1);
        }
        json = random_value(0);
    }

private:
    std::mt19937_64 rng_;
};

void expect_named_outcome(std::string_view text, std::string_view label) {
    for (const Shape& shape : all_shapes()) {
        auto result = shape.round_trip(text);
        if (!result) {
            ASSERT_FALSE(to_string(result.error().code).empty())
                << "seed " << kSeed << " " << label << " shape " << shape.name;
            continue;
        }
        ASSERT_TRUE(shape.stable(text)) << "seed " << kSeed << " " << label << " shape " << shape.name
                                        << " accepted but did not round-trip: " << text.substr(0, 300);
    }
}

std::vector<std::string> fixture_texts() {
    std::vector<std::string> texts;
    for (const GoldenFixture& fixture : golden_fixtures()) {
        texts.push_back(hilt::test::read_fixture("models/" + std::string(fixture.file)));
    }
    return texts;
}

TEST(HostileInput, MutatedFixtureTextGetsAValueOrANamedErrorFromEveryParser) {
    Fuzzer fuzz(kSeed);
    const auto texts = fixture_texts();
    for (int i = 0; i < 1500; ++i) {
        const std::string doc = fuzz.mutate_text(texts[fuzz.below(texts.size())]);
        expect_named_outcome(doc, "text mutation " + std::to_string(i));
        if (HasFatalFailure()) return;
    }
}

TEST(HostileInput, StructurallyMutatedFixturesGetAValueOrANamedError) {
    Fuzzer fuzz(kSeed + 1);
    const auto texts = fixture_texts();
    int accepted = 0;
    for (int i = 0; i < 1500; ++i) {
        Json json = Json::parse(texts[fuzz.below(texts.size())], nullptr, false);
        for (std::size_t n = 1 + fuzz.below(3); n > 0; --n) fuzz.mutate_value(json);
        // Also straight into every reader, skipping the text gate (strings may be invalid UTF-8).
        for (const Shape& shape : all_shapes()) {
            Status status = shape.read(json);
            if (status) {
                ++accepted;
            } else {
                ASSERT_FALSE(to_string(status.error().code).empty());
            }
        }
        expect_named_outcome(dump_json(json), "value mutation " + std::to_string(i));
        if (HasFatalFailure()) return;
    }
    // Some mutations (e.g. of an optional field) stay valid: the generator is not only producing junk.
    EXPECT_GT(accepted, 0);
}

TEST(HostileInput, RandomBytesAndRandomValuesGetANamedError) {
    Fuzzer fuzz(kSeed + 2);
    for (int i = 0; i < 1500; ++i) {
        expect_named_outcome(fuzz.random_bytes(300), "random bytes " + std::to_string(i));
        expect_named_outcome(dump_json(fuzz.random_value(0)), "random value " + std::to_string(i));
        if (HasFatalFailure()) return;
    }
}

TEST(HostileInput, DeepNestingAndHugeBodiesAreRefusedBeforeParsing) {
    const std::string deep = "{\"a\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
    const std::string huge = "{\"title\":\"" + std::string(kMaxJsonTextBytes, 'x') + "\"}";
    for (const Shape& shape : all_shapes()) {
        auto nested = shape.round_trip(deep);
        ASSERT_FALSE(nested);
        EXPECT_EQ(nested.error().code, ErrorCode::InvalidJson) << shape.name;
        auto big = shape.round_trip(huge);
        ASSERT_FALSE(big);
        EXPECT_EQ(big.error().code, ErrorCode::PayloadTooLarge) << shape.name;
    }
}

}  // namespace
}  // namespace hilt::models::test
