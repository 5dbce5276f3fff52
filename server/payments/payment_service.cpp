// server/payments/payment_service.cpp: quoting, building, checking, following and settling payments.
#include "payments/payment_service.h"

#include <algorithm>
#include <iostream>
#include <limits>

#include "app.h"
#include "auth/api_keys.h"
#include "encoding/base64.h"
#include "encoding/url.h"
#include "money/money.h"
#include "payments/handoff_token.h"
#include "phantom/deeplink.h"
#include "solana/instructions.h"
#include "solana/pda.h"
#include "solanapay/transaction_request.h"
#include "solanapay/transfer_request.h"

namespace hilt::server {

namespace {

solana::PublicKey token_account(const solana::PublicKey& owner, const solana::PublicKey& mint) {
    // Only fails for seeds no wallet and mint can produce (no bump at all, ~2^-256).
    auto ata = solana::associated_token_address(owner, mint);
    return ata ? ata->address : solana::PublicKey{};
}

Error expired_session() {
    return fail(ErrorCode::SessionExpired, "this checkout session has expired; start a new one");
}

}  // namespace

Result<models::TransactionResponse> unsigned_transaction(const solana::PublicKey& payer,
                                                         std::span<const solana::Instruction> instructions,
                                                         const LatestBlockhash& blockhash) {
    auto message = solana::compile_message(payer, instructions, blockhash.blockhash);
    if (!message) return message.error();
    auto transaction = solana::make_unsigned_transaction(std::move(*message));
    if (!transaction) return transaction.error();
    auto wire = solana::serialize_transaction(*transaction);
    if (!wire) return wire.error();
    return models::TransactionResponse{base64_encode(*wire), blockhash.blockhash,
                                       static_cast<std::int64_t>(blockhash.last_valid_block_height), std::nullopt};
}

Error refusal(const Error& error) {
    const auto name = rejection_name(error);
    if (name == "InsufficientFunds" || name == "InsufficientFundsForFee" ||
        name == "InsufficientFundsForRent") {
        return fail(ErrorCode::InsufficientFunds, "the wallet does not hold enough to pay: " + error.message,
                    "signed_transaction");
    }
    if (name == "BlockhashNotFound") {
        return fail(ErrorCode::TransactionRejected,
                    "the transaction's blockhash has expired; request and sign a new transaction",
                    "signed_transaction");
    }
    return error;
}

namespace {

// What `owner` received in a landed transaction, from the chain's balances only: lamports for SOL, else the
// token balance of its associated account for the quote's mint (that account must be of this mint and
// owned by `owner`: transaction_mismatch otherwise). A balance that went down received 0.
Result<std::uint64_t> received(const PaymentQuote& q, const ConfirmedTransaction& landed,
                               const solana::PublicKey& owner) {
    const auto& keys = landed.account_keys;
    if (q.native) {
        for (std::size_t i = 0; i < keys.size() && i < landed.pre_balances.size() && i < landed.post_balances.size();
             ++i) {
            if (keys[i] != owner) continue;
            const auto before = landed.pre_balances[i];
            const auto after = landed.post_balances[i];
            return after > before ? after - before : 0;
        }
        return std::uint64_t{0};
    }
    const auto account = token_account(owner, q.token_mint);
    std::uint64_t before = 0;
    std::uint64_t after = 0;
    for (const auto& b : landed.pre_token_balances) {
        if (b.account == account) before = b.amount;
    }
    for (const auto& b : landed.post_token_balances) {
        if (b.account != account) continue;
        if (b.mint != q.token_mint || b.owner != owner) {
            return fail(ErrorCode::TransactionMismatch,
                        "the receiving token account is not the owner's account of the quoted mint", "token_mint");
        }
        after = b.amount;
    }
    return after > before ? after - before : 0;
}

// A transaction may be built or broadcast only while the session waits for one and has time left.
Status open_for_signing(const PaymentRecord& payment, models::Timestamp now) {
    switch (payment.status) {
        case models::PaymentStatus::Confirmed:
            return fail(ErrorCode::Conflict, "this payment is already confirmed");
        case models::PaymentStatus::Failed:
            if (payment.failure_reason == models::FailureReason::Expired) return expired_session();
            return fail(ErrorCode::Conflict, "this payment has failed; start a new checkout");
        case models::PaymentStatus::PendingConfirmation:
            return fail(ErrorCode::Conflict, "a transaction for this payment is awaiting confirmation");
        case models::PaymentStatus::PendingSignature:
            break;
    }
    if (now >= payment.expires_at) return expired_session();
    return {};
}

// The QR code's URL: the transaction request when this server is public over https (wallets fetch only
// https links), else the transfer request.
std::string solana_pay_url(const std::string& public_url, const std::string& payment_id, const std::string& title,
                           const std::string& transfer_url) {
    const auto link = public_url + "/v1/solana-pay/" + payment_id;
    if (is_https_url(link)) {
        auto url = solanapay::encode_transaction_request({link, title.substr(0, 64), ""});
        if (url) return *url;
    }
    return transfer_url;
}

// The Solana Pay transfer request for wallets without transaction requests: the whole price to the merchant
// (one recipient, so the fee travels with it and is recorded as outstanding), the session's reference, and
// the payment id as the memo and in the message the wallet shows.
Result<std::string> solana_pay_transfer_url(const PaymentRecord& payment) {
    const auto& q = payment.quote;
    solanapay::TransferRequest request;
    request.recipient = q.merchant_wallet;
    request.amount = solanapay::TokenAmount{static_cast<std::uint64_t>(q.amount_minor_units), q.decimals};
    if (!q.native) request.spl_token = q.token_mint;
    request.references = {payment.reference};
    request.label = q.title;
    request.message = "Order " + payment.payment_id;
    request.memo = payment.payment_id;
    return solanapay::encode_transfer_request(request);
}

}  // namespace

std::vector<solana::PublicKey> allowed_checkout_programs() {
    using namespace solana::programs;
    return {kSystem, kToken, kAssociatedToken, kMemo, kMemoV1, kComputeBudget, kLighthouse};
}

solana::PaymentExpectation payment_expectation(const PaymentRecord& payment, const solana::PublicKey& payer) {
    const auto& q = payment.quote;
    solana::PaymentExpectation expected;
    expected.payer = payer;
    if (q.native) {
        expected.sol_transfers.push_back({q.merchant_wallet, static_cast<std::uint64_t>(q.merchant_amount_minor_units)});
        if (q.fee_minor_units > 0) {
            expected.sol_transfers.push_back({q.fee_wallet, static_cast<std::uint64_t>(q.fee_minor_units)});
        }
    } else {
        expected.token_transfers.push_back({token_account(q.merchant_wallet, q.token_mint), q.token_mint,
                                            static_cast<std::uint64_t>(q.merchant_amount_minor_units), q.decimals});
        if (q.fee_minor_units > 0) {
            expected.token_transfers.push_back({token_account(q.fee_wallet, q.token_mint), q.token_mint,
                                                static_cast<std::uint64_t>(q.fee_minor_units), q.decimals});
        }
    }
    if (q.approval) {
        expected.approval = solana::ExpectedApproval{token_account(payer, q.token_mint), q.token_mint,
                                                     q.approval->delegate,
                                                     static_cast<std::uint64_t>(q.approval->allowance_minor_units),
                                                     q.decimals};
    }
    expected.reference = payment.reference;
    expected.memo = payment.payment_id;
    expected.allowed_programs = allowed_checkout_programs();
    return expected;
}

bool renews_automatically(const PaymentQuote& quote) {
    return !quote.native && quote.membership && quote.membership->enabled &&
           quote.membership->renewal_mode == models::RenewalMode::Automatic;
}

Result<models::RenewalApproval> renewal_approval(const PaymentQuote& quote,
                                                const std::optional<TokenAccountState>& source,
                                                const solana::PublicKey& delegate, std::int64_t periods) {
    models::RenewalApproval approval;
    approval.delegate = delegate;
    approval.allowance_periods = periods;
    if (source && source->delegate) {
        if (*source->delegate == delegate) {
            approval.existing_allowance_minor_units = static_cast<std::int64_t>(
                std::min<std::uint64_t>(source->delegated_amount, models::kMaxJsonInteger));
        } else {
            approval.replaces_delegate = source->delegate;
        }
    }
    // Each term is at most kMaxJsonInteger (< 2^53) and periods at most 36: no overflow in 64 bits.
    const auto total = approval.existing_allowance_minor_units + periods * quote.amount_minor_units;
    if (total > models::kMaxJsonInteger) {
        return fail(ErrorCode::InvalidValue, "the renewal allowance would exceed the largest amount Hilt handles",
                    "amount_minor_units");
    }
    approval.allowance_minor_units = total;
    return approval;
}

models::MembershipSubscription subscription_from(const PaymentQuote& quote, const solana::PublicKey& buyer,
                                                 const solana::PublicKey& delegate,
                                                 const ConfirmedTransaction& landed) {
    models::MembershipSubscription sub;
    sub.token_account = token_account(buyer, quote.token_mint);
    sub.token_mint = quote.token_mint;
    sub.delegate = delegate;
    sub.amount_minor_units = quote.amount_minor_units;
    const auto report = solana::inspect_transaction(landed.transaction);
    for (const auto& approval : report.token_approvals) {
        if (approval.checked && approval.source == sub.token_account && approval.delegate == delegate &&
            approval.owner == buyer && approval.mint == quote.token_mint) {
            sub.approved = true;
            sub.allowance_periods =
                quote.approval ? quote.approval->allowance_periods
                               : static_cast<std::int64_t>(approval.amount / static_cast<std::uint64_t>(
                                                                                  quote.amount_minor_units));
            sub.allowance_minor_units = sub.allowance_periods * quote.amount_minor_units;
        }
    }
    return sub;
}

Result<std::vector<solana::Instruction>> payment_instructions(const PaymentRecord& payment,
                                                              const solana::PublicKey& payer,
                                                              bool create_merchant_account, bool create_fee_account,
                                                              const std::optional<solana::PublicKey>& source_owner) {
    const auto& q = payment.quote;
    const bool fee = q.fee_minor_units > 0;
    std::uint32_t units = kComputeUnitsBase + kComputeUnitsMemo + kComputeUnitsPerTransfer * (fee ? 2 : 1);
    if (q.approval) units += kComputeUnitsPerApprove;
    if (create_merchant_account) units += kComputeUnitsPerCreateAccount;
    if (create_fee_account && fee) units += kComputeUnitsPerCreateAccount;

    std::vector<solana::Instruction> out;
    out.push_back(solana::set_compute_unit_limit(units));
    out.push_back(solana::set_compute_unit_price(kPriorityMicroLamports));
    const std::array references{payment.reference};
    if (q.native) {
        auto transfer = solana::system_transfer(payer, q.merchant_wallet,
                                                static_cast<std::uint64_t>(q.merchant_amount_minor_units));
        transfer.accounts.push_back({payment.reference, false, false});
        out.push_back(std::move(transfer));
        if (fee) out.push_back(solana::system_transfer(payer, q.fee_wallet, static_cast<std::uint64_t>(q.fee_minor_units)));
    } else {
        if (create_merchant_account) {
            auto create = solana::create_associated_token_account_idempotent(payer, q.merchant_wallet, q.token_mint);
            if (!create) return create.error();
            out.push_back(std::move(*create));
        }
        if (create_fee_account && fee) {
            auto create = solana::create_associated_token_account_idempotent(payer, q.fee_wallet, q.token_mint);
            if (!create) return create.error();
            out.push_back(std::move(*create));
        }
        const auto source = token_account(source_owner.value_or(payer), q.token_mint);
        out.push_back(solana::token_transfer_checked(source, q.token_mint, token_account(q.merchant_wallet, q.token_mint),
                                                     payer, static_cast<std::uint64_t>(q.merchant_amount_minor_units),
                                                     q.decimals, references));
        if (fee) {
            out.push_back(solana::token_transfer_checked(source, q.token_mint, token_account(q.fee_wallet, q.token_mint),
                                                         payer, static_cast<std::uint64_t>(q.fee_minor_units),
                                                         q.decimals));
        }
        if (q.approval) {
            out.push_back(solana::token_approve_checked(source, q.token_mint, q.approval->delegate, payer,
                                                        static_cast<std::uint64_t>(q.approval->allowance_minor_units),
                                                        q.decimals));
        }
    }
    auto memo = solana::memo(payment.payment_id);
    if (!memo) return memo.error();
    out.push_back(std::move(*memo));
    return out;
}

Status verify_landed(const PaymentRecord& payment, const ConfirmedTransaction& landed) {
    if (landed.err) return rejection(*landed.err);
    const auto report = solana::inspect_transaction(landed.transaction);
    HILT_TRY(solana::check_payment(report, payment_expectation(payment, report.fee_payer)));
    const auto& q = payment.quote;
    const auto expect = [&](const solana::PublicKey& owner, std::int64_t want, std::string_view who) -> Status {
        auto got = received(q, landed, owner);
        if (!got) return got.error();
        if (*got != static_cast<std::uint64_t>(want)) {
            return fail(ErrorCode::TransactionMismatch,
                        std::string(who) + " received " + std::to_string(*got) + " instead of " + std::to_string(want),
                        std::string(who));
        }
        return {};
    };
    HILT_TRY(expect(q.merchant_wallet, q.merchant_amount_minor_units, "merchant_wallet"));
    if (q.fee_minor_units > 0) HILT_TRY(expect(q.fee_wallet, q.fee_minor_units, "fee_wallet"));
    return {};
}

Result<FoundPayment> verify_found_transfer(const PaymentRecord& payment, const ConfirmedTransaction& landed) {
    if (landed.err) return rejection(*landed.err);
    const auto mismatch = [](std::string message, std::string field) {
        return fail(ErrorCode::TransactionMismatch, std::move(message), std::move(field));
    };
    // Programs: the runtime loads program ids from the static keys only, so each has a static key.
    const auto allowed = allowed_checkout_programs();
    const auto& message = landed.transaction.message;
    for (std::size_t i = 0; i < message.instructions.size(); ++i) {
        const auto program = message.static_key(message.instructions[i].program_id_index);
        if (!program || std::find(allowed.begin(), allowed.end(), *program) == allowed.end()) {
            return mismatch("instruction " + std::to_string(i) + " invokes a program a checkout never uses",
                            "instructions[" + std::to_string(i) + "]");
        }
    }
    const auto& keys = landed.account_keys;
    if (std::find(keys.begin(), keys.end(), payment.reference) == keys.end()) {
        return mismatch("the transaction does not carry this session's reference", "reference");
    }
    const auto& q = payment.quote;
    auto to_merchant = received(q, landed, q.merchant_wallet);
    if (!to_merchant) return to_merchant.error();
    std::uint64_t to_fee_account = 0;
    if (q.fee_minor_units > 0) {
        auto got = received(q, landed, q.fee_wallet);
        if (!got) return got.error();
        to_fee_account = *got;
    }
    // The quote's amounts are each at most kMaxJsonInteger (< 2^53): net + fee_short cannot wrap.
    const auto fee = static_cast<std::uint64_t>(q.fee_minor_units);
    const auto fee_short = to_fee_account < fee ? fee - to_fee_account : 0;
    const auto net = static_cast<std::uint64_t>(q.merchant_amount_minor_units);
    if (*to_merchant < net) {
        return mismatch("merchant_wallet received " + std::to_string(*to_merchant) + " of the " +
                            std::to_string(net) + " due",
                        "merchant_wallet");
    }
    if (*to_merchant < net + fee_short) {
        return mismatch("short by " + std::to_string(net + fee_short - *to_merchant) + ": fee_wallet received " +
                            std::to_string(to_fee_account) + " of the " + std::to_string(fee) +
                            " fee and merchant_wallet " + std::to_string(*to_merchant) + " of the " +
                            std::to_string(q.amount_minor_units) + " total",
                        "fee_wallet");
    }
    // The chain reports any u64: the excess saturates rather than wraps.
    const auto max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    const auto to_merchant_over = std::min(*to_merchant - net - fee_short, max);
    const auto to_fee_over = std::min(to_fee_account > fee ? to_fee_account - fee : 0, max);
    const auto over = to_merchant_over > max - to_fee_over ? max : to_merchant_over + to_fee_over;
    return FoundPayment{static_cast<std::int64_t>(over), static_cast<std::int64_t>(fee_short)};
}

// ---- service ---------------------------------------------------------------------------------------

PaymentService::PaymentService(const ServerConfig& config, const Clock& clock, Chain& chain,
                               PaymentStore& payments, ProductStore& products, PaymentKeys keys)
    : config_(config), clock_(clock), chain_(chain), payments_(payments), products_(products), keys_(keys) {}

PaymentService::~PaymentService() { stop_watcher(); }

models::Timestamp PaymentService::now() const { return models::Timestamp{clock_.now_seconds()}; }

Result<models::ConnectResponse> PaymentService::connect(const std::string& slug,
                                                        const models::ConnectRequest& request) {
    if (!models::validate_slug(slug)) return fail(ErrorCode::NotFound, "no such checkout");
    auto product = products_.find_by_slug(slug);
    if (!product) return product.error();
    if (product->status == models::ProductStatus::Archived) {
        return fail(ErrorCode::ProductArchived, "this product is no longer on sale");
    }
    auto merchant_id = products_.owner_of(product->product_id);
    if (!merchant_id) return merchant_id.error();
    auto asset = money::find_asset_by_mint(product->token_mint);
    if (!asset) return at("token_mint", asset.error());
    if (!asset->asset->native && asset->asset->mint(config_.cluster) != product->token_mint) {
        return fail(ErrorCode::Conflict, "this product is priced in a mint of another cluster than this server's");
    }
    const auto t = now();
    const auto membership = product->membership_config && product->membership_config->enabled
                                ? product->membership_config
                                : std::nullopt;

    PaymentQuote quote;
    if (request.handoff_token) {
        auto claims = verify_handoff_token(*request.handoff_token, keys_.handoff.public_key, t);
        if (!claims) return at("handoff_token", claims.error());
        if (claims->product_id != product->product_id) {
            return fail(ErrorCode::HandoffInvalid, "this handoff link is for another product", "handoff_token");
        }
        if (membership && membership->identity_type && *membership->identity_type != claims->identity.type) {
            return fail(ErrorCode::InvalidValue,
                        "this product needs a " + std::string(to_string(*membership->identity_type)) + " identity",
                        "handoff_token");
        }
        quote.identity = claims->identity;
        quote.buyer_ref = claims->buyer_ref;
        quote.handoff_token_id = claims->token_id;
    }
    const bool fee_exempt = keys_.fee_wallet == product->merchant_wallet;
    const auto fee_bps = fee_exempt ? 0 : config_.fee_bps;
    auto split = money::split_fee(product->amount_minor_units, static_cast<std::uint32_t>(fee_bps));
    if (!split) return split.error();
    quote.amount_minor_units = product->amount_minor_units;
    quote.merchant_amount_minor_units = split->merchant_amount;
    quote.fee_minor_units = split->fee;
    quote.fee_bps = fee_bps;
    quote.asset_symbol = std::string(asset->asset->symbol);
    quote.decimals = asset->asset->decimals;
    quote.native = asset->asset->native;
    quote.token_mint = product->token_mint;
    quote.merchant_wallet = product->merchant_wallet;
    quote.fee_wallet = keys_.fee_wallet;
    quote.title = product->title;
    quote.delivery_type = product->delivery_type;
    quote.delivery_value = product->delivery_value;
    quote.membership = membership;
    quote.route = request.route;

    PaymentRecord payment;
    payment.payment_id = new_id(models::kPaymentIdPrefix);
    payment.merchant_id = *merchant_id;
    payment.product_id = product->product_id;
    payment.slug = product->slug;
    payment.reference = solana::PublicKey::from_bytes(ed25519_keypair_random().public_key);
    payment.buyer_wallet = request.buyer_wallet;
    payment.quote = std::move(quote);
    payment.created_at = t;
    payment.expires_at = models::Timestamp{t.unix_seconds + config_.session_ttl_seconds};
    auto transfer_url = solana_pay_transfer_url(payment);
    if (!transfer_url) return transfer_url.error();
    HILT_TRY(payments_.create(payment, t.unix_seconds));

    return session_view(payment, product->checkout_url, std::move(*transfer_url));
}

Result<models::ConnectResponse> PaymentService::session(const std::string& payment_id) {
    auto payment = payments_.get(payment_id);
    if (!payment) return payment.error();
    auto product = products_.find_by_slug(payment->slug);
    if (!product) return product.error();
    auto transfer_url = solana_pay_transfer_url(*payment);
    if (!transfer_url) return transfer_url.error();
    auto out = session_view(*payment, product->checkout_url, std::move(*transfer_url));
    out.status = to_api_payment(*payment, std::nullopt, now()).status;  // an expired session reads FAILED
    return out;
}

models::ConnectResponse PaymentService::session_view(const PaymentRecord& payment, const std::string& checkout_url,
                                                     std::string transfer_url) const {
    const auto& title = payment.quote.title;
    models::ConnectResponse out;
    out.payment_id = payment.payment_id;
    out.status = payment.status;
    out.product_id = payment.product_id;
    out.slug = payment.slug;
    out.amount_minor_units = payment.quote.amount_minor_units;
    out.merchant_amount_minor_units = payment.quote.merchant_amount_minor_units;
    out.fee_minor_units = payment.quote.fee_minor_units;
    out.asset_symbol = payment.quote.asset_symbol;
    out.decimals = payment.quote.decimals;
    out.token_mint = payment.quote.token_mint;
    out.reference = payment.reference;
    out.solana_pay_url = solana_pay_url(config_.public_url, payment.payment_id, title, transfer_url);
    out.solana_pay_transfer_url = std::move(transfer_url);
    out.expires_at = payment.expires_at;
    out.buyer_wallet = payment.buyer_wallet;
    if (is_https_url(checkout_url) && is_https_url(config_.public_url)) {
        auto browse = phantom::browse_url(checkout_url + "?payment=" + payment.payment_id, config_.public_url);
        if (browse) {
            out.phantom_mobile = models::PhantomMobile{
                *browse, config_.public_url,
                config_.cluster == money::Cluster::Mainnet ? models::Cluster::MainnetBeta : models::Cluster::Devnet};
        }
    }
    return out;
}

Result<models::HandoffResolveResponse> PaymentService::resolve_handoff(const std::string& token) {
    auto claims = verify_handoff_token(token, keys_.handoff.public_key, now());
    if (!claims) return claims.error();
    auto used = payments_.handoff_used(claims->token_id);
    if (!used) return used.error();
    if (*used) return fail(ErrorCode::HandoffUsed, "this handoff link has already been used", "token");
    return models::to_resolve_response(*claims);
}

Result<models::HandoffLinkResponse> PaymentService::create_handoff_link(const std::string& merchant_id,
                                                                        const std::string& product_id,
                                                                        const models::HandoffLinkRequest& request) {
    auto product = products_.get(merchant_id, product_id);
    if (!product) return product.error();
    if (product->status == models::ProductStatus::Archived) {
        return fail(ErrorCode::ProductArchived, "this product is no longer on sale");
    }
    const auto& config = product->membership_config;
    if (config && config->enabled && config->identity_type && *config->identity_type != request.identity.type) {
        return fail(ErrorCode::InvalidValue,
                    "this product's members are identified by " + std::string(to_string(*config->identity_type)),
                    "identity.type");
    }
    const auto t = now();
    models::HandoffClaims claims;
    claims.token_id = new_id(models::kHandoffTokenIdPrefix);
    claims.product_id = product->product_id;
    claims.slug = product->slug;
    claims.buyer_ref = request.buyer_ref;
    claims.identity = request.identity;
    claims.issued_at = t;
    claims.expires_at =
        models::Timestamp{t.unix_seconds + request.expires_in_seconds.value_or(models::kDefaultHandoffTtlSeconds)};
    auto token = sign_handoff_token(claims, keys_.handoff);
    return models::HandoffLinkResponse{product->checkout_url + "?handoff=" + token, token, claims.expires_at};
}

Result<models::TransactionResponse> PaymentService::build_transaction(const std::string& payment_id,
                                                                      const solana::PublicKey& buyer) {
    auto payment = payments_.get(payment_id);
    if (!payment) return payment.error();
    const auto t = now();
    HILT_TRY(open_for_signing(*payment, t));
    HILT_TRY(payments_.bind_buyer(payment_id, buyer, t.unix_seconds));
    const auto& q = payment->quote;

    // What the buyer holds, so that an empty wallet hears it now rather than after signing.
    bool create_merchant = false;
    bool create_fee = false;
    std::optional<models::RenewalApproval> approval;
    if (q.native) {
        auto wallet = chain_.account(buyer, Commitment::Processed);
        if (!wallet) return wallet.error();
        const auto held = *wallet ? (*wallet)->lamports : 0;
        if (held < static_cast<std::uint64_t>(q.amount_minor_units)) {
            return fail(ErrorCode::InsufficientFunds, "the wallet holds " + std::to_string(held) +
                                                          " lamports; the price is " +
                                                          std::to_string(q.amount_minor_units), "buyer_wallet");
        }
    } else {
        auto source = chain_.account(token_account(buyer, q.token_mint), Commitment::Processed);
        if (!source) return source.error();
        const auto held = *source && (*source)->token_account ? (*source)->token_account->amount : 0;
        if (held < static_cast<std::uint64_t>(q.amount_minor_units)) {
            auto shown = money::format_display(static_cast<std::int64_t>(held), q.decimals);
            return fail(ErrorCode::InsufficientFunds,
                        "the wallet holds " + (shown ? *shown : std::to_string(held)) + " " + q.asset_symbol +
                            "; the price is " + money::format_display(q.amount_minor_units, q.decimals).value_or("?") +
                            " " + q.asset_symbol,
                        "buyer_wallet");
        }
        if (renews_automatically(q)) {
            std::optional<TokenAccountState> state;
            if (*source) state = (*source)->token_account;
            auto asked = renewal_approval(q, state, keys_.renewal_delegate, config_.renewal_allowance_periods);
            if (!asked) return asked.error();
            approval = std::move(*asked);
        }
        auto merchant = chain_.account(token_account(q.merchant_wallet, q.token_mint), Commitment::Processed);
        if (!merchant) return merchant.error();
        create_merchant = !merchant->has_value();
        if (q.fee_minor_units > 0) {
            auto fee = chain_.account(token_account(q.fee_wallet, q.token_mint), Commitment::Processed);
            if (!fee) return fee.error();
            create_fee = !fee->has_value();
        }
    }
    if (approval) {
        HILT_TRY(payments_.bind_buyer(payment_id, buyer, t.unix_seconds, approval));
        payment->quote.approval = approval;
    }
    auto instructions = payment_instructions(*payment, buyer, create_merchant, create_fee);
    if (!instructions) return instructions.error();
    auto blockhash = chain_.latest_blockhash(Commitment::Confirmed);
    if (!blockhash) return blockhash.error();
    auto response = unsigned_transaction(buyer, *instructions, *blockhash);
    if (!response) return response.error();
    response->approval = std::move(approval);
    return response;
}

Result<models::BroadcastResponse> PaymentService::broadcast(const std::string& payment_id,
                                                            const std::string& signed_base64) {
    auto payment = payments_.get(payment_id);
    if (!payment) return payment.error();
    auto transaction = solana::parse_transaction_base64(signed_base64);
    if (!transaction) return at("signed_transaction", transaction.error());
    const auto signature = solana::transaction_id(*transaction);
    const auto current = [&](models::PaymentStatus status) {
        return models::BroadcastResponse{payment_id, status, signature};
    };
    auto known = payments_.find_transaction(signature);
    if (!known) return known.error();
    if (*known) {
        if ((*known)->payment_id != payment_id) {
            return fail(ErrorCode::TransactionMismatch, "this transaction belongs to another payment",
                        "signed_transaction");
        }
        // A retry of an accepted transaction: answered from the store. The watcher sends it again while it
        // is unseen; a buyer's retry never waits on the chain.
        return current(payment->status);
    }
    const auto t = now();
    HILT_TRY(open_for_signing(*payment, t));
    if (!payment->buyer_wallet) {
        return fail(ErrorCode::TransactionMismatch, "request this payment's transaction before broadcasting one",
                    "fee_payer");
    }
    const auto report = solana::inspect_transaction(*transaction);
    HILT_TRY(solana::check_payment(report, payment_expectation(*payment, *payment->buyer_wallet)));
    auto simulation = chain_.simulate(*transaction);
    if (!simulation || simulation->err) {
        // A concurrent request with the same transaction may have sent it meanwhile (the simulation then
        // sees it as already processed): that is the idempotent case, not a refusal.
        auto accepted = payments_.find_transaction(signature);
        if (accepted && *accepted && (*accepted)->payment_id == payment_id) {
            auto again = payments_.get(payment_id);
            if (!again) return again.error();
            return current(again->status);
        }
        return refusal(simulation ? rejection(*simulation->err) : simulation.error());
    }
    auto height = chain_.block_height(Commitment::Confirmed);
    if (!height) return height.error();
    auto wire = solana::serialize_transaction(*transaction);
    if (!wire) return wire.error();

    auto started = payments_.begin_broadcast(payment_id, signature, *wire,
                                             static_cast<std::int64_t>(*height) + kBlockhashValidBlocks, t.unix_seconds);
    if (!started) return started.error();
    if (*started == BroadcastStart::SameTransaction) {
        auto again = payments_.get(payment_id);
        if (!again) return again.error();
        return current(again->status);
    }
    auto sent = chain_.send(*wire);
    if (!sent && rejection_name(sent.error()) != "AlreadyProcessed" &&
        sent.error().code != ErrorCode::ChainUnavailable) {
        HILT_TRY(payments_.abort_broadcast(payment_id, signature));
        return refusal(sent.error());
    }
    // Accepted (or the chain is briefly unreachable: the watcher sends it again until it lands or expires).
    {
        std::lock_guard lock(memory_mutex_);
        quick_until_ms_[payment_id] = clock_.now_ms() + kQuickFollowWindowMs;
    }
    {
        std::lock_guard lock(watcher_mutex_);
        watcher_poked_ = true;
    }
    watcher_wake_.notify_all();
    return current(models::PaymentStatus::PendingConfirmation);
}

Result<bool> PaymentService::settle_landed(const PaymentRecord& payment, const ConfirmedTransaction& landed,
                                          const FoundPayment& found) {
    return payments_.settle(settlement_of(payment, landed, found), keys_.receipt);
}

Settlement PaymentService::settlement_of(const PaymentRecord& payment, const ConfirmedTransaction& landed,
                                         const FoundPayment& found) {
    const auto t = now();
    const auto landed_at = landed.block_time.value_or(t.unix_seconds);
    // The buyer: the fee payer, except for a renewal, which Hilt's delegate pays for the subscriber.
    const auto& fee_payer = landed.transaction.message.account_keys.front();
    const bool renewal = payment.quote.renewal.has_value();
    Settlement settlement{payment.payment_id,
                          landed.signature,
                          renewal && payment.buyer_wallet ? *payment.buyer_wallet : fee_payer,
                          static_cast<std::int64_t>(landed.slot),
                          landed_at > payment.expires_at.unix_seconds,
                          found.overpaid_minor_units,
                          found.fee_outstanding_minor_units,
                          t,
                          std::nullopt};
    if (!renewal && renews_automatically(payment.quote)) {
        settlement.subscription =
            subscription_from(payment.quote, settlement.buyer_wallet, keys_.renewal_delegate, landed);
    }
    return settlement;
}

Result<bool> PaymentService::settle_found(const PaymentRecord& payment, const ConfirmedTransaction& landed) {
    auto found = verify_found_transfer(payment, landed);
    if (found) return settle_landed(payment, landed, *found);
    const auto& keys = landed.account_keys;
    if (std::find(keys.begin(), keys.end(), payment.reference) != keys.end()) {
        // About this session, but not paying it: kept, never credited, never ignored.
        HILT_TRY(payments_.record_mismatch(payment.payment_id, landed.signature, describe(found.error()),
                                           now().unix_seconds));
    }
    return found.error();
}

Result<bool> PaymentService::consider_signature(const PaymentRecord& payment, const std::string& signature) {
    auto landed = chain_.get_transaction(signature, config_.confirmation_commitment);
    if (!landed) return landed.error();
    if (!*landed) return false;
    return settle_found(payment, **landed);
}

bool PaymentService::resend_due(const std::string& signature) {
    const auto t = clock_.now_ms();
    std::lock_guard lock(memory_mutex_);
    if (resends_left_ == 0) return false;  // this tick's budget is spent: still due next tick
    auto [it, first] = next_resend_ms_.try_emplace(signature, t + kResendIntervalMs);
    if (!first && t < it->second) return false;
    it->second = t + kResendIntervalMs;
    --resends_left_;
    return true;
}

Result<bool> PaymentService::follow_sent(const PaymentRecord& payment, const TransactionRecord& record,
                                         const std::optional<SignatureStatus>& status,
                                         std::optional<std::uint64_t>& height, std::vector<Settlement>* batch) {
    const auto t = now();
    const auto required = config_.confirmation_commitment;
    const auto forget = [&] {
        std::lock_guard lock(memory_mutex_);
        next_resend_ms_.erase(record.signature);
    };
    if (status && status->confirmation >= required) {
        auto landed = chain_.get_transaction(record.signature, required);
        if (!landed) return landed.error();
        if (!*landed) return false;
        forget();
        if ((*landed)->err) {
            HILT_TRY(payments_.retire_transaction(record.signature, TransactionState::Failed,
                                                  (*landed)->err->name + ": " + (*landed)->err->detail,
                                                  models::FailureReason::TransactionFailed, t.unix_seconds));
            return false;
        }
        if (auto verified = verify_landed(payment, **landed); !verified) {
            HILT_TRY(payments_.retire_transaction(record.signature, TransactionState::Mismatch,
                                                  describe(verified.error()),
                                                  models::FailureReason::VerificationFailed, t.unix_seconds));
            return false;
        }
        if (batch) {
            batch->push_back(settlement_of(payment, **landed));
            return true;
        }
        return settle_landed(payment, **landed);
    }
    if (status) return false;  // landed, not yet at the required commitment: wait
    if (!height) {
        auto current = chain_.block_height(Commitment::Confirmed);
        if (!current) return current.error();
        height = *current;
    }
    if (static_cast<std::int64_t>(*height) > record.expiry_height) {
        forget();
        HILT_TRY(payments_.retire_transaction(record.signature, TransactionState::Expired,
                                              "the blockhash expired before the transaction landed",
                                              models::FailureReason::Expired, t.unix_seconds));
        return false;
    }
    // Not seen (lost on the way, dropped by a fork, or still travelling): send the same bytes again.
    if (resend_due(record.signature)) (void)chain_.send(record.wire);
    return false;
}

Result<bool> PaymentService::follow(const PaymentRecord& payment) {
    if (payment.status == models::PaymentStatus::Confirmed) return false;
    auto transactions = payments_.transactions_of(payment.payment_id);
    if (!transactions) return transactions.error();
    std::vector<TransactionRecord> sent;
    for (auto& record : *transactions) {
        if (record.state == TransactionState::Sent) sent.push_back(std::move(record));
    }
    if (!sent.empty()) {
        std::vector<std::string> signatures;
        for (const auto& record : sent) signatures.push_back(record.signature);
        auto statuses = chain_.signature_statuses(signatures);
        if (!statuses) return statuses.error();
        std::optional<std::uint64_t> height;
        for (std::size_t i = 0; i < sent.size() && i < statuses->size(); ++i) {
            auto settled = follow_sent(payment, sent[i], (*statuses)[i], height);
            if (!settled) return settled.error();
            if (*settled) return true;
        }
    }
    // A payment the wallet may have broadcast itself (Solana Pay), or that landed late: its reference.
    auto found = chain_.signatures_for_address(payment.reference, kReferenceScanLimit,
                                               config_.confirmation_commitment);
    if (!found) return found.error();
    for (const auto& info : *found) {
        if (info.err) continue;
        auto known = payments_.find_transaction(info.signature);
        if (!known) return known.error();
        if (*known) continue;
        auto settled = consider_signature(payment, info.signature);
        if (settled && *settled) return true;
    }
    return false;
}

Result<std::size_t> PaymentService::follow_all_sent(const std::vector<PaymentRecord>& open, bool landed_only) {
    std::vector<std::pair<const PaymentRecord*, TransactionRecord>> sent;
    for (const auto& payment : open) {
        // Only a payment awaiting confirmation has a transaction in flight (a broadcast moves it there; a
        // retired transaction moves it back): one store read per in-flight payment, not per open session.
        if (payment.status != models::PaymentStatus::PendingConfirmation) continue;
        auto transactions = payments_.transactions_of(payment.payment_id);
        if (!transactions) return transactions.error();
        for (auto& record : *transactions) {
            if (record.state == TransactionState::Sent) sent.emplace_back(&payment, std::move(record));
        }
    }
    if (sent.empty()) return std::size_t{0};
    std::vector<std::string> signatures;
    signatures.reserve(sent.size());
    for (const auto& [payment, record] : sent) signatures.push_back(record.signature);
    auto statuses = chain_.signature_statuses(signatures);  // the backend batches (RPC: 256 a request)
    if (!statuses) return statuses.error();
    std::optional<std::uint64_t> height;
    std::unordered_set<std::string> done;  // a payment settles once, whichever of its transactions landed
    std::vector<Settlement> batch;         // settled together below: one store commit for the pass
    std::optional<Error> unavailable;
    // From a start that moves each tick, so that the resend budget reaches every unseen transaction.
    std::size_t first = 0;
    {
        std::lock_guard lock(memory_mutex_);
        first = next_sent_ % sent.size();
        next_sent_ = first + kResendsPerTick;
    }
    const auto count = std::min(sent.size(), statuses->size());
    for (std::size_t n = 0; n < count; ++n) {
        const std::size_t i = (first + n) % count;
        const auto& [payment, record] = sent[i];
        if (done.count(payment->payment_id)) continue;
        if (landed_only && !(*statuses)[i]) continue;
        auto result = follow_sent(*payment, record, (*statuses)[i], height, &batch);
        if (!result) {
            if (result.error().code == ErrorCode::ChainUnavailable) {
                unavailable = result.error();  // settle what already landed, then say so
                break;
            }
            std::cerr << "hiltd watcher: " << payment->payment_id << ": " << describe(result.error()) << "\n";
            continue;
        }
        if (*result) done.insert(payment->payment_id);
    }
    std::size_t settled = 0;
    if (!batch.empty()) {
        auto outcomes = payments_.settle_all(batch, keys_.receipt);
        if (!outcomes) return outcomes.error();
        for (std::size_t i = 0; i < outcomes->size(); ++i) {
            const auto& outcome = (*outcomes)[i];
            if (outcome && *outcome) ++settled;
            if (!outcome) {
                std::cerr << "hiltd watcher: " << batch[i].payment_id << ": " << describe(outcome.error()) << "\n";
            }
        }
    }
    if (unavailable) return *unavailable;
    return settled;
}

namespace {
// Where a session's money arrives: the merchant's wallet (SOL) or its associated token account.
solana::PublicKey destination_of(const PaymentRecord& payment) {
    const auto& q = payment.quote;
    return q.native ? q.merchant_wallet : token_account(q.merchant_wallet, q.token_mint);
}
}  // namespace

Result<std::size_t> PaymentService::discover_by_destination(const std::vector<PaymentRecord>& open) {
    std::vector<solana::PublicKey> destinations;
    for (const auto& payment : open) {
        if (payment.status == models::PaymentStatus::Confirmed) continue;
        const auto destination = destination_of(payment);
        if (std::find(destinations.begin(), destinations.end(), destination) == destinations.end()) {
            destinations.push_back(destination);
        }
    }
    if (destinations.empty()) return std::size_t{0};
    std::size_t first = 0;
    {
        std::lock_guard lock(memory_mutex_);
        first = next_destination_ % destinations.size();
        next_destination_ = first + kDestinationScansPerTick;
    }
    std::size_t settled = 0;
    const auto scans = std::min(destinations.size(), kDestinationScansPerTick);
    for (std::size_t n = 0; n < scans; ++n) {
        const auto& destination = destinations[(first + n) % destinations.size()];
        auto found = chain_.signatures_for_address(destination, kDestinationScanLimit,
                                                   config_.confirmation_commitment);
        if (!found) return found.error();
        for (const auto& info : *found) {
            {
                std::lock_guard lock(memory_mutex_);
                if (seen_signatures_.count(info.signature)) continue;
            }
            auto known = payments_.find_transaction(info.signature);
            if (!known) return known.error();
            if (!*known && !info.err) {
                auto landed = chain_.get_transaction(info.signature, config_.confirmation_commitment);
                if (!landed) return landed.error();
                if (!*landed) continue;  // not at the required commitment yet: look again next time
                // The session is the one whose reference key the transaction carries (Solana Pay).
                for (const auto& key : (*landed)->account_keys) {
                    auto payment = payments_.find_by_reference(key);
                    if (!payment) return payment.error();
                    if (!*payment) continue;
                    if ((*payment)->status == models::PaymentStatus::Confirmed) break;
                    auto result = settle_found(**payment, **landed);
                    if (!result) {
                        if (result.error().code == ErrorCode::ChainUnavailable) return result.error();
                        if (result.error().code != ErrorCode::TransactionMismatch) return result.error();
                    } else if (*result) {
                        ++settled;
                    }
                    break;
                }
            }
            // Known, failed, or paying no session: never read again (a mismatch is recorded, so known).
            std::lock_guard lock(memory_mutex_);
            if (seen_signatures_.size() >= kSeenSignaturesMax) seen_signatures_.clear();
            seen_signatures_.insert(info.signature);
        }
    }
    return settled;
}

Result<models::ConfirmResponse> PaymentService::confirm(const std::string& payment_id,
                                                        const std::optional<std::string>& tx_signature) {
    auto payment = payments_.get(payment_id);
    if (!payment) return payment.error();
    if (payment->status != models::PaymentStatus::Confirmed) {
        if (tx_signature) {
            auto known = payments_.find_transaction(*tx_signature);
            if (!known) return known.error();
            if (*known && (*known)->payment_id != payment_id) {
                return fail(ErrorCode::TransactionMismatch, "this transaction belongs to another payment",
                            "tx_signature");
            }
            if (!*known) {
                auto settled = consider_signature(*payment, *tx_signature);
                if (!settled) return at("tx_signature", settled.error());
            }
        }
        if (auto followed = follow(*payment); !followed && followed.error().code == ErrorCode::ChainUnavailable) {
            return followed.error();
        }
        payment = payments_.get(payment_id);
        if (!payment) return payment.error();
    }
    auto view = api_view(*payment);
    if (!view) return view.error();
    models::ConfirmResponse out;
    out.payment_id = view->payment_id;
    out.status = view->status;
    out.failure_reason = view->failure_reason;
    out.tx_signature = view->tx_signature;
    out.delivery_type = view->delivery_type;
    out.delivery_value = view->delivery_value;
    out.delivery_status = view->delivery_status;
    out.membership_id = view->membership_id;
    out.membership_status = view->membership_status;
    out.membership_period_end_at = view->membership_period_end_at;
    return out;
}

Result<models::Payment> PaymentService::api_view(const PaymentRecord& payment) {
    std::optional<models::Membership> membership;
    if (payment.membership_id) {
        auto found = payments_.membership(*payment.membership_id);
        if (!found) return found.error();
        membership = std::move(*found);
    }
    return to_api_payment(payment, membership, now());
}

Result<models::Payment> PaymentService::status(const std::string& payment_id) {
    auto payment = payments_.get(payment_id);
    if (!payment) return payment.error();
    auto view = api_view(*payment);
    // The merchant's note on a failed delivery is theirs: the buyer reads delivery_status only.
    if (view) view->delivery_failure.reset();
    return view;
}

std::size_t PaymentService::watch_once() {
    const auto t = now();
    {
        std::lock_guard lock(memory_mutex_);
        resends_left_ = kResendsPerTick;
    }
    if (auto expired = payments_.expire_due(t.unix_seconds); !expired) {
        std::cerr << "hiltd watcher: " << describe(expired.error()) << "\n";
    }
    if (auto lapsed = payments_.announce_membership_changes(t.unix_seconds, kWatchBatch); !lapsed) {
        std::cerr << "hiltd watcher: " << describe(lapsed.error()) << "\n";
    }
    auto open = payments_.watch_list(t.unix_seconds, kLateWatchSeconds, kWatchBatch);
    if (!open) {
        std::cerr << "hiltd watcher: " << describe(open.error()) << "\n";
        return 0;
    }
    // A tick costs the chain a few requests whatever the number of open payments: one status request
    // per 256 sent transactions, a block height when one is missing, and kDestinationScansPerTick
    // address scans (plus one read per new transaction found).
    std::size_t settled = 0;
    auto followed = follow_all_sent(*open);
    if (!followed) {
        std::cerr << "hiltd watcher: " << describe(followed.error()) << "\n";
        return settled;  // the chain is unavailable: next tick
    }
    settled += *followed;
    auto discovered = discover_by_destination(*open);
    if (!discovered) {
        std::cerr << "hiltd watcher: " << describe(discovered.error()) << "\n";
        return settled;
    }
    return settled + *discovered;
}

bool PaymentService::has_quick_follows() {
    std::lock_guard lock(memory_mutex_);
    return !quick_until_ms_.empty();
}

std::size_t PaymentService::follow_quickly() {
    std::vector<std::string> ids;
    {
        const auto t = clock_.now_ms();
        std::lock_guard lock(memory_mutex_);
        std::erase_if(quick_until_ms_, [t](const auto& entry) { return entry.second <= t; });
        for (const auto& [id, until] : quick_until_ms_) ids.push_back(id);
    }
    std::vector<PaymentRecord> in_flight;
    for (const auto& id : ids) {
        auto payment = payments_.get(id);
        if (payment && payment->status == models::PaymentStatus::PendingConfirmation) {
            in_flight.push_back(std::move(*payment));
            continue;
        }
        if (!payment) std::cerr << "hiltd watcher: " << id << ": " << describe(payment.error()) << "\n";
        std::lock_guard lock(memory_mutex_);
        quick_until_ms_.erase(id);  // settled, retired or unreadable: the full ticks have it
    }
    if (in_flight.empty()) return 0;
    auto followed = follow_all_sent(in_flight, true);
    if (!followed) {
        std::cerr << "hiltd watcher: " << describe(followed.error()) << "\n";
        return 0;
    }
    return *followed;
}

void PaymentService::poke_watcher() {
    {
        std::lock_guard lock(watcher_mutex_);
        watcher_tick_now_ = true;
    }
    watcher_wake_.notify_all();
}

void PaymentService::start_watcher(std::chrono::milliseconds interval) {
    stop_watcher();
    std::lock_guard lock(watcher_mutex_);
    watcher_stop_ = false;
    // Half the RPC cap at most for the quick follows' status requests (2 s / cap), between 100 ms and a tick.
    const auto cap = std::max<std::int64_t>(config_.rpc_max_requests_per_second, 1);
    const auto quick = std::clamp(std::chrono::milliseconds(2'000 / cap), std::chrono::milliseconds(100), interval);
    watcher_ = std::thread([this, interval, quick] {
        using Steady = std::chrono::steady_clock;
        std::unique_lock lock(watcher_mutex_);
        while (!watcher_stop_) {
            watcher_tick_now_ = false;
            lock.unlock();
            watch_once();
            const auto next_tick = Steady::now() + interval;
            lock.lock();
            // Until the next tick: quick follows while a broadcast payment awaits confirmation.
            while (!watcher_stop_) {
                const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(next_tick - Steady::now());
                if (left.count() <= 0) break;
                lock.unlock();
                const bool quick_follows = has_quick_follows();
                lock.lock();
                watcher_poked_ = false;
                watcher_wake_.wait_for(lock, quick_follows ? std::min(quick, left) : left,
                                       [this] { return watcher_stop_ || watcher_poked_ || watcher_tick_now_; });
                if (watcher_tick_now_) break;
                if (watcher_stop_ || watcher_poked_ || Steady::now() >= next_tick) continue;
                lock.unlock();
                follow_quickly();
                lock.lock();
            }
        }
    });
}

void PaymentService::stop_watcher() {
    std::thread thread;
    {
        std::lock_guard lock(watcher_mutex_);
        watcher_stop_ = true;
        thread = std::move(watcher_);
    }
    watcher_wake_.notify_all();
    if (thread.joinable()) thread.join();
}

}  // namespace hilt::server
