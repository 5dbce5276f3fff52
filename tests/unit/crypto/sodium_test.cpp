#include <gtest/gtest.h>

#include "crypto/sodium.h"
#include "encoding/base58.h"
#include "encoding/base64.h"

namespace hilt {
namespace {

Bytes32 filled(std::uint8_t v) {
    Bytes32 out{};
    out.fill(v);
    return out;
}

TEST(Ed25519, KeypairFromSeedMatchesWeb3js) {
    // solana-phantom.md §6 V1: Keypair.fromSeed([8]*32)
    const auto keypair = ed25519_keypair_from_seed(filled(8));
    EXPECT_EQ(base58_encode(keypair.public_key), "2KW2XRd9kwqet15Aha2oK3tYvd3nWbTFH1MBiRAv1BE1");
}

TEST(Ed25519, KeypairFromSecretMatchesWeb3js) {
    // V2
    auto secret = base64_decode(
        "mdqVWeFekT7pqy5T49+tV12jO0m+ESW7ki4zSU9JiCgbL0kJbj5dvQ/PqcDAzZLZqzshVEs01d1KZdmLh4uZIg==");
    ASSERT_TRUE(secret);
    auto keypair = ed25519_keypair_from_secret(*secret);
    ASSERT_TRUE(keypair) << describe(keypair.error());
    EXPECT_EQ(base58_encode(keypair->public_key), "2q7pyhPwAwZ3QMfZrnAbDhnh9mDUqycszcpf86VgQxhF");

    (*secret)[40] ^= 1;  // public half no longer matches the seed
    auto tampered = ed25519_keypair_from_secret(*secret);
    ASSERT_FALSE(tampered);
    EXPECT_EQ(tampered.error().code, ErrorCode::InvalidKey);
}

TEST(Ed25519, SignaturesVerifyAndTamperingIsDetected) {
    const auto keypair = ed25519_keypair_random();
    const Bytes message{1, 2, 3};
    auto signature = ed25519_sign(keypair.secret_key, message);
    EXPECT_TRUE(ed25519_verify(keypair.public_key, message, signature));
    signature[0] ^= 1;
    EXPECT_FALSE(ed25519_verify(keypair.public_key, message, signature));
}

TEST(Ed25519, OnCurveIsPlainDecompression) {
    // The all-zero y is a valid point (x^2 = -1/(d*0+1)... decompresses); libsodium's is_valid_point
    // rejects it as small order, which is exactly the pitfall of solana-phantom.md §3.4.
    Bytes32 one{};
    one[0] = 1;  // y = 1: the identity, on the curve (small order)
    EXPECT_TRUE(ed25519_is_on_curve(one));
    // A real public key is on the curve.
    EXPECT_TRUE(ed25519_is_on_curve(ed25519_keypair_random().public_key));
    // The ATA of V6 is, by construction, off the curve.
    auto ata = base58_decode_exact("9vLSZ1gujMzisVrK5r3ZBXLVJMrF3fp6BtAUDyD94nW2", 32);
    ASSERT_TRUE(ata);
    Bytes32 ata_bytes{};
    std::copy(ata->begin(), ata->end(), ata_bytes.begin());
    EXPECT_FALSE(ed25519_is_on_curve(ata_bytes));
}

TEST(Sha256, KnownAnswers) {
    EXPECT_EQ(hex_encode(sha256(as_bytes("abc"))),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(hex_encode(sha256(as_bytes(""))),
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(HmacSha256, Rfc4231Case2) {
    EXPECT_EQ(hex_encode(hmac_sha256(as_bytes("Jefe"), as_bytes("what do ya want for nothing?"))),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Box, PublicVectorV9MatchesTweetnacl) {
    const auto a = x25519_keypair_from_secret(filled(1));
    const auto b = x25519_keypair_from_secret(filled(2));
    EXPECT_EQ(base58_encode(a.public_key), "C6cUahgsea11j7dTmSFiNydnaPG9kg7yPFagXqerHGnC");
    EXPECT_EQ(base58_encode(b.public_key), "EuHtd9yCn95edmJqLKFeyXeoPw9nPzp1HTwdJEWEw9YL");
    auto shared_ab = box_shared_key(b.public_key, a.secret_key);
    auto shared_ba = box_shared_key(a.public_key, b.secret_key);
    ASSERT_TRUE(shared_ab && shared_ba);
    EXPECT_EQ(hex_encode(shared_ab->view()),
              "18a99320f3488fa18a04239715d8ee738065e65c3d4b2898522d6c3d4ead588c");
    EXPECT_EQ(shared_ab->array(), shared_ba->array());

    Nonce24 nonce{};
    nonce.fill(3);
    EXPECT_EQ(base58_encode(nonce), "GvdqXEAMbSARrubpNP44Vqz4kr6GAxA6");
    const auto sealed = box_seal(as_bytes(R"({"session":"abc"})"), nonce, *shared_ab);
    EXPECT_EQ(base58_encode(sealed), "VwVLXrfYjiaXVeew6E9gWHRMVXgdn2GsUukuYFP7LNAMt");
    auto opened = box_open(sealed, nonce, *shared_ba);
    ASSERT_TRUE(opened);
    EXPECT_EQ(to_string(*opened), R"({"session":"abc"})");
}

TEST(Box, TamperedCiphertextAndLowOrderKeysAreRejected) {
    const auto a = x25519_keypair_random();
    const auto b = x25519_keypair_random();
    auto shared = box_shared_key(b.public_key, a.secret_key);
    ASSERT_TRUE(shared);
    const auto nonce = random_array<kBoxNonceBytes>();
    auto sealed = box_seal(as_bytes("hello"), nonce, *shared);
    sealed.back() ^= 1;
    auto opened = box_open(sealed, nonce, *shared);
    ASSERT_FALSE(opened);
    EXPECT_EQ(opened.error().code, ErrorCode::DecryptFailed);
    EXPECT_FALSE(box_open(Bytes(5, 0), nonce, *shared));

    auto low_order = box_shared_key(Bytes32{}, a.secret_key);
    ASSERT_FALSE(low_order);
    EXPECT_EQ(low_order.error().code, ErrorCode::InvalidKey);
}

TEST(ConstantTimeEqual, ComparesLengthAndContent) {
    EXPECT_TRUE(constant_time_equal(Bytes{1, 2}, Bytes{1, 2}));
    EXPECT_FALSE(constant_time_equal(Bytes{1, 2}, Bytes{1, 3}));
    EXPECT_FALSE(constant_time_equal(Bytes{1, 2}, Bytes{1, 2, 3}));
    EXPECT_TRUE(constant_time_equal(Bytes{}, Bytes{}));
}

}  // namespace
}  // namespace hilt
