// tests/unit/solana/solana_test_support.h: small helpers shared by the Solana unit tests (keys,
// hex, the public vectors' inputs of solana-phantom.md §6).
#pragma once

#include <gtest/gtest.h>

#include <string_view>

#include "crypto/sodium.h"
#include "encoding/base64.h"
#include "solana/message.h"
#include "solana/pubkey.h"

namespace hilt::solana::test {

inline PublicKey key(std::string_view base58) {
    auto parsed = PublicKey::parse(base58);
    if (!parsed) {
        ADD_FAILURE() << "bad test key " << base58 << ": " << describe(parsed.error());
        return PublicKey{};
    }
    return *parsed;
}

inline Bytes hex(std::string_view text) {
    auto bytes = hex_decode(text);
    if (!bytes) {
        ADD_FAILURE() << "bad test hex: " << describe(bytes.error());
        return {};
    }
    return *bytes;
}

inline Bytes b64(std::string_view text) {
    auto bytes = base64_decode(text);
    if (!bytes) {
        ADD_FAILURE() << "bad test base64: " << describe(bytes.error());
        return {};
    }
    return *bytes;
}

// V1: Keypair.fromSeed([8] × 32) (web3.js test/keypair.test.ts).
inline Ed25519Keypair v1_keypair() {
    Bytes32 seed{};
    seed.fill(8);
    return ed25519_keypair_from_seed(seed);
}

// V4 (web3.js test/transaction.test.ts "parse wire format and serialize").
inline constexpr std::string_view kV4Recipient = "J3dxNj7nDRRqRRXuEMynDG57DkZK4jYRuv3Garmb1i99";
inline constexpr std::string_view kV4Blockhash = "EETubP5AKHgjPAhzPAFcb8BAY1hMH639CWCFTqi3hq1k";
inline constexpr std::string_view kV4Base64 =
    "AVuErQHaXv0SG0/PchunfxHKt8wMRfMZzqV0tkC5qO6owYxWU2v871AoWywGoFQr4z+q/7mE8lIufNl/"
    "kxj+nQ0BAAEDE5j2"
    "LG0aRXxRumpLXz29L2n8qTIWIY3ImX5Ba9F9k8r9Q5/Mtmcn8onFxt47xKj+XdXXd3C8j/FcPu7csUrz/"
    "AAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAxJrndgN4IFTxep3s6kO0ROug7bEsbx0xxuDkqEvwUusBAgIAAQwCAAAAMQAAAAAAAA"
    "A=";

// V4's message rebuilt by hand (solana-phantom.md §6): header 01 00 01, keys [payer, recipient, System].
inline Message v4_message_by_hand() {
    Message message;
    message.header = {1, 0, 1};
    message.account_keys = {PublicKey::from_bytes(v1_keypair().public_key), key(kV4Recipient),
                            programs::kSystem};
    message.recent_blockhash = key(kV4Blockhash);
    message.instructions = {{2, {0, 1}, hex("020000003100000000000000")}};
    return message;
}

// V6: the v0 create-ATA transaction of solana-com
// apps/docs/content/docs/en/rpc/http/gettransaction.mdx (Base64 tab).
inline constexpr std::string_view kV6Base64 =
    "Ac0eW3MXnK9n4dJBgIiH5W9t8nS4/FZbkli1bmz5aesWHXxI3bu5Zoxz5B6dXSUW1vR9/x3XMxO+/"
    "JF970vMXg2AAQAEBi5G"
    "rBM+qSeo3fyYXgLWbzsMer1vu0TJ3Sf43DYtsIiXhIdCgb/"
    "XxQIG3CZuALxz+9mWYsjCntSnsr1UDhVCPV8AAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAEaN/"
    "dPbb1bTXSmTSGmbBtN8gi+Yb7reB5C1gsGk920XjJclj04kifG7PRApFI4Ngwta"
    "E5na/"
    "xCEBI572Nvp+FkG3fbh12Whk9nL4UbO63msHLSF7V9bN5E6jPWFfv8AqQz1Oe+t7LiYbNpMM924jv8cp+XOburi2kky"
    "gfFDAHNZAQQGAAEAAwIFAQAA";

// V8: the Solana Pay SPEC.md transaction-request POST response (one zero signature, SOL transfer of
// 0).
inline constexpr std::string_view kV8Base64 =
    "AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABAAECC4"
    "JM"
    "KqNplIXybGb/"
    "GhK1ofdVWeuEjXnQor7gi0Y2hMcAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAQECAAAMAgAAAAAAAAAAAAAA";

// V11 (solana-phantom.md §6, self-built with libsodium and checked with Python; not from a public
// suite).
inline constexpr std::string_view kMerchant = "mvines9iiHiQTysrwkJjGf2gb9Ex9jXJX8ns3qwf2kN";
inline constexpr std::string_view kUsdcMainnet = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v";
inline constexpr std::string_view kV11Reference = "82ZJ7nbGpixjeDCmEhUcmwXYfvurzAgGdtSMuHnUgyny";
inline constexpr std::string_view kV11PayerAta = "G8sVqaVs7nUeXfK48nwmaWocw1T9sVGbqUFYYbX63S1q";
inline constexpr std::string_view kV11MerchantAta = "5ZGPSxMzV9xV5s3Wep73r8k5MsPAtLYs11dGDdknznM5";
inline constexpr std::string_view kV11Signature =
    "2ssTFwv583ia5wubZXu7BAPuz9gGWo1CWSw8MDZeXmsWjuyJhaRFwNrV3dffNMyqnAw3FNeLwuLqng9RvLEcQfRK";

}  // namespace hilt::solana::test
