// Receipts after checkout, over HTTP on a real hiltd with a real SQLite file and the sandbox chain:
// a merchant reads a receipt by its id (others' ids are 404 like unknown ones), anyone verifies one
// with the public verification route, and the receipt key is published at a well-known URL.
#include "models/receipt.h"
#include "routes/receipts.h"
#include "unit/server/checkout_harness.h"

namespace hilt::server {
namespace {

class ReceiptsTest : public test::CheckoutHarness {
protected:
    // A confirmed payment's receipt as the payment route returns it (the JSON document, untouched).
    nlohmann::json confirmed_receipt() {
        const auto product = create_product();
        const auto buyer = new_buyer(kPrice);
        const auto payment_id = pay_until_broadcast(product["slug"], buyer);
        app_->sandbox()->advance_slots(1);  // confirmed commitment is one slot behind
        EXPECT_EQ(confirm(payment_id)["status"], "CONFIRMED");
        auto res = client_->Get("/v1/payments/" + payment_id + "/receipt", merchant());
        EXPECT_TRUE(res);
        EXPECT_EQ(res->status, 200) << res->body;
        return json_of(res);
    }
    httplib::Result verify_text(const std::string& body) {
        return client_->Post("/v1/receipts/verify", body, "application/json");
    }
    nlohmann::json verify(const nlohmann::json& document) {
        auto res = verify_text(document.dump());
        EXPECT_TRUE(res);
        EXPECT_EQ(res->status, 200) << res->body;
        return json_of(res);
    }
    static nlohmann::json invalid(const std::string& reason) {
        return {{"valid", false}, {"reason", reason}};
    }
    // The same base58 text with its last character lowered (still base58, same decoded length).
    static std::string change_last_char(std::string text) {
        text.back() = text.back() == '1' ? '2' : '1';
        return text;
    }
};

TEST_F(ReceiptsTest, AMerchantReadsItsReceiptByIdAndOthersGet404LikeAnUnknownId) {
    const auto receipt = confirmed_receipt();
    const auto receipt_id = receipt["receipt_id"].get<std::string>();
    auto mine = client_->Get("/v1/receipts/" + receipt_id, merchant());
    ASSERT_TRUE(mine);
    ASSERT_EQ(mine->status, 200) << mine->body;
    EXPECT_EQ(json_of(mine), receipt) << "the same document as the payment's receipt route";
    EXPECT_EQ(mine->get_header_value("Cache-Control"), "no-store");

    auto other = app_->merchants().create_merchant("Other Guild", clock_.now_seconds());
    ASSERT_TRUE(other) << describe(other.error());
    auto theirs = client_->Get("/v1/receipts/" + receipt_id, with_key(other->second.secret));
    auto unknown = client_->Get("/v1/receipts/rcpt_doesnotexist0000000000", merchant());
    auto not_an_id = client_->Get("/v1/receipts/pay_" + receipt_id.substr(5), merchant());
    for (const auto* res : {&theirs, &unknown, &not_an_id}) {
        ASSERT_TRUE(*res);
        EXPECT_EQ((*res)->status, 404) << (*res)->body;
        EXPECT_EQ(json_of(*res)["error"]["code"], "not_found");
        EXPECT_EQ(json_of(*res)["error"]["message"], json_of(theirs)["error"]["message"])
            << "another merchant's receipt reads exactly like one that does not exist";
    }

    auto anonymous = client_->Get("/v1/receipts/" + receipt_id);
    ASSERT_TRUE(anonymous);
    EXPECT_EQ(anonymous->status, 401);
    auto forged_key =
        client_->Get("/v1/receipts/" + receipt_id, with_key("hk_" + std::string(44, 'x')));
    ASSERT_TRUE(forged_key);
    EXPECT_EQ(forged_key->status, 401);
}

TEST_F(ReceiptsTest, AnyoneVerifiesAReceiptAsReturnedWithoutCredentials) {
    const auto receipt = confirmed_receipt();
    EXPECT_EQ(verify(receipt), (nlohmann::json{{"valid", true},
                                               {"receipt_id", receipt["receipt_id"]},
                                               {"payment_id", receipt["payment_id"]}}));
    // Key order and whitespace are not part of the document: the same receipt pretty-printed
    // verifies.
    auto pretty = verify_text(receipt.dump(2));
    ASSERT_TRUE(pretty);
    EXPECT_EQ(json_of(pretty)["valid"], true) << pretty->body;
}

TEST_F(ReceiptsTest, AReceiptWithOneChangedByteDoesNotVerify) {
    const auto receipt = confirmed_receipt();
    const auto text = receipt.dump();
    ASSERT_EQ(verify_text(text)->status, 200);

    // One byte of the text changed, in each field that can change by one byte and still be a
    // receipt.
    for (const char* field :
         {"tx_signature", "reference", "buyer_wallet", "merchant_wallet", "signature"}) {
        auto changed = receipt;
        changed[field] = change_last_char(receipt[field].get<std::string>());
        ASSERT_EQ(changed.dump().size(), text.size());
        EXPECT_EQ(verify(changed), invalid("signature_invalid")) << field;
    }
    auto slot = receipt;
    slot["slot"] = receipt["slot"].get<std::int64_t>() ^ 1;
    EXPECT_EQ(verify(slot), invalid("signature_invalid"));
    auto product = receipt;
    product["product_id"] = change_last_char(receipt["product_id"].get<std::string>());
    EXPECT_EQ(verify(product), invalid("signature_invalid"));
    // The same instant written otherwise is not the signed text either (an offline verifier would
    // fail).
    auto offset = receipt;
    auto issued = receipt["issued_at"].get<std::string>();
    offset["issued_at"] = issued.substr(0, issued.size() - 1) + "+00:00";
    EXPECT_EQ(verify(offset), invalid("signature_invalid"));

    // A changed amount that no longer adds up is not a receipt at all: 422, by the usual rules.
    auto amount = receipt;
    amount["amount_minor_units"] = receipt["amount_minor_units"].get<std::int64_t>() + 1;
    auto res = verify_text(amount.dump());
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 422) << res->body;
    EXPECT_EQ(json_of(res)["error"]["code"], "invalid_value");
}

TEST_F(ReceiptsTest, AReceiptSignedWithAnotherKeyIsRefusedWhateverItClaims) {
    const auto receipt_json = confirmed_receipt();
    auto parsed = models::parse<models::Receipt>(receipt_json.dump());
    ASSERT_TRUE(parsed) << describe(parsed.error());

    // A forger's own key: a perfectly signed receipt, just not by this server.
    const auto forger = ed25519_keypair_random();
    auto forged = *parsed;
    forged.merchant_amount_minor_units += 1'000'000;
    forged.amount_minor_units += 1'000'000;
    models::sign_receipt(forged, forger);
    ASSERT_TRUE(models::verify_receipt(forged)) << "valid under the forger's key";
    EXPECT_EQ(verify(models::to_json(forged)), invalid("signer_unknown"));

    // The forger's signature under the server's public key.
    forged.signer_public_key = solana::PublicKey::from_bytes(app_->receipt_public_key());
    EXPECT_EQ(verify(models::to_json(forged)), invalid("signature_invalid"));

    // The unchanged receipt re-signed by the forger (their key named in it).
    auto resigned = *parsed;
    models::sign_receipt(resigned, forger);
    EXPECT_EQ(verify(models::to_json(resigned)), invalid("signer_unknown"));
}

TEST_F(ReceiptsTest, VerifyingChecksTheStoreForTheIdOnlyAfterTheSignature) {
    const auto receipt_json = confirmed_receipt();
    auto parsed = models::parse<models::Receipt>(receipt_json.dump());
    ASSERT_TRUE(parsed);
    auto stored = app_->payments().receipt(parsed->receipt_id);
    ASSERT_TRUE(stored) << describe(stored.error());
    EXPECT_EQ(*stored, *parsed);
    auto unknown = app_->payments().receipt("rcpt_doesnotexist0000000000");
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.error().code, ErrorCode::NotFound);

    // The verdict function alone, with the server's key: a receipt signed by the key but not stored
    // (as after restoring an old database) is receipt_unknown; another one under a stored id, a
    // mismatch.
    const auto key = ed25519_keypair_random();
    auto other = *parsed;
    other.receipt_id = "rcpt_doesnotexist0000000000";
    models::sign_receipt(other, key);
    auto verdict =
        verify_presented_receipt(models::to_json(other), other, key.public_key, app_->payments());
    ASSERT_TRUE(verdict);
    EXPECT_EQ(models::to_json(*verdict), invalid("receipt_unknown"));
    auto changed = *parsed;
    changed.slot += 1;
    models::sign_receipt(changed, key);
    verdict = verify_presented_receipt(models::to_json(changed), changed, key.public_key,
                                       app_->payments());
    ASSERT_TRUE(verdict);
    EXPECT_EQ(models::to_json(*verdict), invalid("receipt_mismatch"));
}

TEST_F(ReceiptsTest, VerifyRefusesBodiesThatAreNotReceiptsWithNamedErrors) {
    const auto receipt = confirmed_receipt();
    auto extra = receipt;
    extra["note"] = "paid in full";
    auto missing = receipt;
    missing.erase("signature");
    struct Case {
        std::string body;
        std::string content_type;
        int status;
        std::string code;
    };
    const std::vector<Case> cases = {
        {extra.dump(), "application/json", 422, "unknown_field"},
        {missing.dump(), "application/json", 422, "missing_field"},
        {"", "application/json", 422, "missing_field"},
        {"[]", "application/json", 422, "wrong_type"},
        {"{", "application/json", 400, "invalid_json"},
        {receipt.dump(), "text/plain", 415, "unsupported_media_type"},
        {std::string(70 * 1024, ' '), "application/json", 413, "payload_too_large"},
    };
    for (const auto& c : cases) {
        auto res = client_->Post("/v1/receipts/verify", c.body, c.content_type);
        ASSERT_TRUE(res);
        EXPECT_EQ(res->status, c.status) << c.body.substr(0, 60) << " -> " << res->body;
        EXPECT_EQ(json_of(res)["error"]["code"], c.code) << c.body.substr(0, 60);
    }
}

TEST_F(ReceiptsTest, TheReceiptKeyIsPublishedAtAWellKnownUrl) {
    const auto receipt = confirmed_receipt();
    auto res = client_->Get("/.well-known/hilt/receipt-key");
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << res->body;
    EXPECT_EQ(
        json_of(res),
        (nlohmann::json{{"algorithm", "ed25519"},
                        {"public_key",
                         solana::PublicKey::from_bytes(app_->receipt_public_key()).to_base58()}}));
    EXPECT_EQ(json_of(res)["public_key"], receipt["signer_public_key"]);
    EXPECT_EQ(res->get_header_value("Cache-Control"),
              "public, max-age=" + std::to_string(kReceiptKeyMaxAgeSeconds));
    EXPECT_EQ(res->get_header_value("Content-Type").rfind("application/json", 0), 0u);
}

class RateLimitedReceiptsTest : public ReceiptsTest {
protected:
    void configure(ServerConfig& config) override {
        // A burst of two; the manual clock never refills the bucket.
        config.public_rate_limit = RateLimit{1.0, 2.0};
    }
};

TEST_F(RateLimitedReceiptsTest, ThePublicReceiptRoutesAreRateLimitedPerClient) {
    for (int i = 0; i < 2; ++i) {
        auto res = client_->Get("/.well-known/hilt/receipt-key");
        ASSERT_TRUE(res);
        EXPECT_EQ(res->status, 200);
    }
    auto key = client_->Get("/.well-known/hilt/receipt-key");
    ASSERT_TRUE(key);
    EXPECT_EQ(key->status, 429);
    EXPECT_EQ(key->get_header_value("Retry-After"), "1");
    auto verified = verify_text("{}");
    ASSERT_TRUE(verified);
    EXPECT_EQ(verified->status, 429) << "refused before the body is read";
}

}  // namespace
}  // namespace hilt::server
