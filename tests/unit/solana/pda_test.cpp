#include "solana/pda.h"

#include <gtest/gtest.h>

#include <array>
#include <string_view>
#include <vector>

#include "solana_test_support.h"

namespace hilt::solana {
namespace {

using test::key;

ByteView text(std::string_view s) { return as_bytes(s); }

std::string derive(std::vector<ByteView> seeds, std::string_view program) {
    auto address = create_program_address(seeds, key(program));
    if (!address) return "error: " + describe(address.error());
    return address->to_base58();
}

TEST(ProgramAddress, MatchesTheWeb3jsCreateProgramAddressVectors) {
    // web3.js test/publickey.test.ts (solana-phantom.md §6 V5)
    constexpr std::string_view kLoader = "BPFLoader1111111111111111111111111111111111";
    const std::array<std::uint8_t, 1> one{1};
    EXPECT_EQ(derive({text(""), ByteView(one)}, kLoader),
              "3gF2KMe9KiC6FNVBmfg9i267aMPvK37FewCip4eGBFcT");
    EXPECT_EQ(derive({text("☉")}, kLoader), "7ytmC1nT1xY4RfxCV2ZgyA7UakC93do5ZdyhdF3EtPj7");
    EXPECT_EQ(derive({text("Talking"), text("Squirrels")}, kLoader),
              "HwRVBufQ4haG5XSgpspwKtNd3PC9GM9m1196uJW36vds");
    const PublicKey seed_key = key("SeedPubey1111111111111111111111111111111111");
    EXPECT_EQ(derive({ByteView(seed_key.bytes)}, kLoader),
              "GUs5qLUfsEHkcMB9T38vjr18ypEhRuNWiePW2LoK4E3K");

    const PublicKey h4sn = key("H4snTKK9adiU15gP22ErfZYtro3aqR9BTMXiH3AwiUTQ");
    const std::array<std::uint8_t, 8> two_le{2, 0, 0, 0, 0, 0, 0, 0};
    EXPECT_EQ(derive({ByteView(h4sn.bytes), ByteView(two_le)},
                     "4ckmDgGdxQoPDLUkDT3vHgSAkzA3QRdNq5ywwY4sUSJn"),
              "12rqwuEgBYiGhBrDJStCiqEtzQpTTiZbh7teNVLuYcFA");
}

TEST(ProgramAddress, MatchesTheSolanaSdkCreateProgramAddressVectors) {
    // solana-sdk address/src/lib.rs test_create_program_address
    constexpr std::string_view kUpgradeable = "BPFLoaderUpgradeab1e11111111111111111111111";
    const std::array<std::uint8_t, 1> zero{0};
    const std::array<std::uint8_t, 1> one{1};
    EXPECT_EQ(derive({text(""), ByteView(one)}, kUpgradeable),
              "BwqrghZA2htAcqq8dzP1WDAhTXYTYWj7CHxF5j7TDBAe");
    EXPECT_EQ(derive({text("☉"), ByteView(zero)}, kUpgradeable),
              "13yWmRpaTR4r5nAktwLqMpRNr28tnVUZw26rTvPSSB19");
    EXPECT_EQ(derive({text("Talking"), text("Squirrels")}, kUpgradeable),
              "2fnQrngrQT4SeLcdToJAD96phoEjNL2man2kfRLCASVk");
    const PublicKey seed_key = key("SeedPubey1111111111111111111111111111111111");
    EXPECT_EQ(derive({ByteView(seed_key.bytes), ByteView(one)}, kUpgradeable),
              "976ymqVnfE32QFe6NfGDctSvVa36LWnvYxhU6G2232YL");
}

TEST(ProgramAddress, RejectsLongSeedsTooManySeedsAndOnCurveHashes) {
    const PublicKey program = key("BPFLoader1111111111111111111111111111111111");
    const Bytes long_seed(33, 7);
    const std::array<ByteView, 1> one_long{ByteView(long_seed)};
    auto too_long = create_program_address(one_long, program);
    ASSERT_FALSE(too_long);
    EXPECT_EQ(too_long.error().code, ErrorCode::InvalidSeeds);
    EXPECT_EQ(too_long.error().field, "seeds[0]");

    const Bytes max_seed(32, 7);
    const std::vector<ByteView> seventeen(17, ByteView(max_seed));
    auto too_many = create_program_address(seventeen, program);
    ASSERT_FALSE(too_many);
    EXPECT_EQ(too_many.error().code, ErrorCode::InvalidSeeds);
    // 16 seeds are fine for create_program_address, but find_program_address needs one for the
    // bump.
    const std::vector<ByteView> sixteen(16, ByteView(max_seed));
    auto find_sixteen = find_program_address(sixteen, program);
    ASSERT_FALSE(find_sixteen);
    EXPECT_EQ(find_sixteen.error().code, ErrorCode::InvalidSeeds);
    const std::vector<ByteView> fifteen(15, ByteView(max_seed));
    EXPECT_TRUE(find_program_address(fifteen, program));

    // find_program_address skips on-curve bumps; asking create_program_address for one of them
    // fails.
    const std::array<ByteView, 1> seeds{text("Lil'")};
    auto found = find_program_address(seeds, program);
    ASSERT_TRUE(found) << describe(found.error());
    for (int bump = 255; bump > found->bump; --bump) {
        const std::array<std::uint8_t, 1> b{static_cast<std::uint8_t>(bump)};
        const std::array<ByteView, 2> with_bump{text("Lil'"), ByteView(b)};
        auto on_curve = create_program_address(with_bump, program);
        ASSERT_FALSE(on_curve) << "bump " << bump << " should be on the curve";
        EXPECT_EQ(on_curve.error().code, ErrorCode::InvalidSeeds);
    }
    const std::array<std::uint8_t, 1> b{found->bump};
    const std::array<ByteView, 2> with_bump{text("Lil'"), ByteView(b)};
    auto again = create_program_address(with_bump, program);
    ASSERT_TRUE(again);
    EXPECT_EQ(*again, found->address);
}

TEST(AssociatedTokenAddress, MatchesTheAtaOfTheGetTransactionExampleWithBump254) {
    // solana-phantom.md §6 V6: the ATA created by the solana-com getTransaction example.
    auto ata = associated_token_address(key("47eFuHR9ste9kopiJ9eRxcwahmE62JovbKe5r7AjANut"),
                                        key("5kR7n7QJv85NrwwXdYWZ52qkRcyvXqKWDPNooYcfDV6e"));
    ASSERT_TRUE(ata) << describe(ata.error());
    EXPECT_EQ(ata->address.to_base58(), "9vLSZ1gujMzisVrK5r3ZBXLVJMrF3fp6BtAUDyD94nW2");
    EXPECT_EQ(ata->bump, 254);
}

TEST(AssociatedTokenAddress, IsNotTheAddressLibsodiumsValidPointTestWouldGive) {
    // With crypto_core_ed25519_is_valid_point as the curve test, bump 255 is (wrongly) accepted and
    // gives 5qZGMkka… (solana-phantom.md §3.4). We must skip bump 255 because its hash
    // decompresses.
    auto ata = associated_token_address(key("47eFuHR9ste9kopiJ9eRxcwahmE62JovbKe5r7AjANut"),
                                        key("5kR7n7QJv85NrwwXdYWZ52qkRcyvXqKWDPNooYcfDV6e"));
    ASSERT_TRUE(ata);
    EXPECT_NE(ata->address.to_base58(), "5qZGMkkaGZ62vfLCAG6JJ8yJRHtBiDHccWcNzov1YAhP");
    const PublicKey owner = key("47eFuHR9ste9kopiJ9eRxcwahmE62JovbKe5r7AjANut");
    const PublicKey mint = key("5kR7n7QJv85NrwwXdYWZ52qkRcyvXqKWDPNooYcfDV6e");
    const std::array<std::uint8_t, 1> bump255{255};
    const std::array<ByteView, 4> seeds{ByteView(owner.bytes), ByteView(programs::kToken.bytes),
                                        ByteView(mint.bytes), ByteView(bump255)};
    auto at_255 = create_program_address(seeds, programs::kAssociatedToken);
    ASSERT_FALSE(at_255) << "bump 255 hashes to a curve point and must be refused";
    EXPECT_EQ(at_255.error().code, ErrorCode::InvalidSeeds);
}

TEST(AssociatedTokenAddress, MatchesTheCheckoutVectorsForUsdc) {
    // solana-phantom.md §6 V11 (libsodium and pure-math derivations agree).
    const PublicKey payer = PublicKey::from_bytes(test::v1_keypair().public_key);
    auto payer_ata = associated_token_address(payer, key(test::kUsdcMainnet));
    ASSERT_TRUE(payer_ata);
    EXPECT_EQ(payer_ata->address.to_base58(), test::kV11PayerAta);
    EXPECT_EQ(payer_ata->bump, 254);
    auto merchant_ata = associated_token_address(key(test::kMerchant), key(test::kUsdcMainnet));
    ASSERT_TRUE(merchant_ata);
    EXPECT_EQ(merchant_ata->address.to_base58(), test::kV11MerchantAta);
    EXPECT_EQ(merchant_ata->bump, 255);
}

TEST(AssociatedTokenAddress, DependsOnTheTokenProgram) {
    const PublicKey owner = key(test::kMerchant);
    const PublicKey mint = key(test::kUsdcMainnet);
    auto classic = associated_token_address(owner, mint, programs::kToken);
    auto token2022 = associated_token_address(owner, mint, programs::kToken2022);
    ASSERT_TRUE(classic);
    ASSERT_TRUE(token2022);
    EXPECT_NE(classic->address, token2022->address);
}

}  // namespace
}  // namespace hilt::solana
