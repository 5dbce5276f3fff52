// bench/renewals.mjs: how fast hiltd's renewal worker pulls AUTOMATIC subscriptions that fall due at once, and
// what each renewal costs an RPC node (issue 7, "Measured (scripts/bench)"). A measurement, not a test: it asserts
// nothing, it prints figures (scripts/bench's part h).
// Owns: per scenario one hiltd (a fresh SQLite file in a temp folder, removed at the end) on its test clock, and
// for the LiteSVM scenario one JSON-RPC adapter in this process (tests/support/litesvm_rpc.mjs).
// Must never: reach anything but loopback, or count its own reads as hiltd's RPC traffic (the adapter's counters
// are read in-process, not over HTTP; its admin calls fund buyers before the counted window).
//
// What it does, per scenario (sandbox with --renewals subscribers, then LiteSVM with --rpc-renewals):
//  1. setup: hiltd (--public-rate-limit 0; on LiteSVM --chain rpc --test-clock --rpc-rate-limit R), a workspace
//     enabled for subscriptions (`hiltd merchant create --subscriptions`), one AUTOMATIC USDC product (30-day
//     interval, 3 days of grace), N fresh web3.js buyers funded with SOL and two prices of USDC (sandbox:
//     POST /v1/sandbox/airdrop; LiteSVM: the adapter's airdrop and mint), the renewal delegate funded (LiteSVM).
//  2. the baseline, timed: N real checkouts, --concurrency in flight (connect, /transaction, web3.js signs,
//     /broadcast, then GET /v1/payments/{id} every 100 ms until CONFIRMED: the watcher confirms; the page's own
//     1 s, 2 s, 4 s backoff would make its schedule the rate). checkouts/s = N / the wall time of the phase;
//     hiltd's CPU time per checkout (those status reads included).
//  3. the measurement: one POST /v1/sandbox/clock of 30 days - 1 h + 1 s, so that every membership's
//     next_renewal_at (period end - 1 h) has passed (the route wakes the worker). Timed from that call until the
//     N-th membership.renewed event is seen (GET /v1/events polled every --poll-ms: a limit=1 read, and when the
//     newest event changed a walk down to the last one seen, so each event is read about once; see the comment at
//     the poll for why not a typed read or the analytics route; the progress samples show the worker's passes: how
//     many each settled and how far apart). Then checked: GET /v1/events?type=membership.renewed paged to the end
//     holds N events and no membership.renewal_failed exists.
//     renewals/s = N / that time; hiltd's CPU time per renewal (the polls included).
//     LiteSVM: the adapter's per-method call counts over exactly that window (reset at the clock call, read
//     when the last renewal is seen) / N = RPC calls per renewal. The plan expects about 2.03: sendTransaction and
//     getTransaction per renewal, one getMultipleAccounts per 100, one getLatestBlockhash and one batched
//     getSignatureStatuses per pass of 256. --rpc-rate-limit defaults to 1000 (hiltd's most), not the plan's 200:
//     at about 2 calls a renewal, 200/s would cap renewals near 100/s, which a release build may reach; the
//     figure printed beside it (cap_bound_per_second) is what the cap allows at the measured calls per renewal.
//
// The baseline, and why: the machine is shared, so renewals/s is given as a ratio to a rate measured in the same
// run. The same N subscribers' checkouts are the natural one: the same hiltd, database, chain and subscribers,
// and a checkout's server side does what a renewal does (build a transfer, record it, send it, follow it,
// settle it with payment.confirmed, receipt.created and a membership event), plus the buyer's HTTP round trips.
// The two rates are bounded differently, though: checkouts by concurrency / checkout latency (Little's law: the
// slot time until `confirmed` dominates the latency), renewals by the worker's batch (256 per pass) and its pace
// (a pass, then a wait of the watch interval, 1 s, unless poked). So the CPU time hiltd spends per renewal against
// per checkout (utime + stime from /proc, far less noisy than wall time) is printed beside the rate ratio: it says
// whether a renewal is cheaper work, whatever the pacing. On LiteSVM the adapter, and the chain's execution, run in
// this node process, not in hiltd: its CPU is not in hiltd's figure.
//
// Usage: node bench/renewals.mjs --hiltd PATH [--renewals 10000] [--rpc-renewals 1000] [--concurrency 64]
//          [--rpc-rate-limit 1000] [--slot-ms 400] [--poll-ms 100] [--scenarios sandbox,litesvm]
//        (--renewals 0 or --rpc-renewals 0 skips that scenario)
// Prints progress on stderr and one JSON line on stdout:
//   {"bench":"renewals", "sandbox": SCENARIO|null, "litesvm": SCENARIO|null}
//   SCENARIO: {chain, subscribers, concurrency, rpc_rate_limit?, slot_ms?,
//     setup: {funding_seconds, checkout_seconds, checkouts_per_second, checkout_latency_ms: {p50, p90, max},
//             hiltd_cpu_ms_per_checkout},
//     renewals: {seconds, per_second, first_ms, hiltd_cpu_ms_per_renewal, hiltd_idle_cpu_ms_per_second (over 3 s
//                before the clock moves, polls included), events_renewed, events_failed,
//                poll_requests, bursts: {count, median_size, max_size, median_period_ms, longest_pause_ms},
//                progress: [[ms, renewed], ...]},
//     ratio_rate (renewals/s over checkouts/s), ratio_cpu (CPU per renewal over CPU per checkout),
//     rpc?: {calls, per_renewal, methods: {name: {calls, per_renewal}}, expected_per_renewal, cap_bound_per_second},
//     hiltd_errors: [lines hiltd wrote about renewals]}
// Exits 1 (with hiltd's output on stderr) when it cannot run at all. With the defaults 11-15 minutes with a debug
// hiltd on 2 busy shared cores (less with the release build scripts/bench uses): the 11,000 checkouts of the setup
// about half of it, the 10,000 sandbox renewals most of the rest.
import { execFileSync } from 'node:child_process';
import web3 from '@solana/web3.js';
import { startLitesvmRpc } from '../tests/support/litesvm_rpc.mjs';
import { jsonClient } from '../tests/e2e/hiltd.mjs';
import { benchArgs } from './args.mjs';
import { median, percentile, pool, round, sleep, startHiltd, strict } from './drivers.mjs';

const { Keypair, Transaction } = web3;

const { args, num } = benchArgs('renewals');
const HILTD = args.hiltd ?? process.env.HILT_HILTD ?? 'build/release/server/hiltd';
const SANDBOX_N = num('renewals', 10_000);
const RPC_N = num('rpc-renewals', 1_000);
const CONCURRENCY = Math.max(1, num('concurrency', 64));
const RPC_RATE = num('rpc-rate-limit', 1000);
const SLOT_MS = Math.max(1, num('slot-ms', 400));
const POLL_MS = Math.max(10, num('poll-ms', 100));
const SCENARIOS = (args.scenarios ?? 'sandbox,litesvm').split(',');

const PRICE = 5_000_000; // 5.00 USDC
const BUYER_USDC = 2 * PRICE; // the checkout and one renewal
const BUYER_LAMPORTS = 100_000_000;
const DELEGATE_LAMPORTS = 10_000_000_000;
const HOUR = 3_600;
const INTERVAL_DAYS = 30;
const CHECKOUT_POLL_MS = 100;
const IDLE_MS = 3_000; // hiltd's CPU with nothing due, measured over this long before the clock moves
const STALL_MS = 120_000; // no renewal progress for this long: hiltd is stuck, stop with what was seen
// sendTransaction + getTransaction per renewal, getMultipleAccounts per 100, blockhash and statuses per 256.
const EXPECTED_PER_RENEWAL = 2 + 1 / 100 + 2 / 256;

const log = (message) => process.stderr.write(`renewals: ${message}\n`);
async function scenario(kind, n) {
  const rpc = kind === 'litesvm' ? await startLitesvmRpc({ slotMs: SLOT_MS }) : null;
  const hiltd = await startHiltd(HILTD, rpc ? ['--chain', 'rpc', '--rpc-url', rpc.url, '--rpc-rate-limit', String(RPC_RATE),
                                        '--test-clock'] : []);
  const call = strict(jsonClient(hiltd.base));
  try {
    // ---- 1. setup ------------------------------------------------------------------------------------------
    const out = execFileSync(HILTD, ['merchant', 'create', '--name', 'Bench Renewals', '--subscriptions',
                                     '--db', hiltd.db], { encoding: 'utf8' });
    const merchant = { 'x-hilt-key': /api_key: (hk_\S+)/.exec(out)[1] };
    const delegate = /renewal delegate \(pays renewal fees\): (\w+)/.exec(hiltd.output())?.[1];
    if (!delegate) throw new Error('hiltd printed no renewal delegate');
    if (rpc) rpc.airdropSol(delegate, DELEGATE_LAMPORTS);
    const product = await call('POST', '/v1/products', {
      product_type: 'PAYMENT_LINK', title: 'Bench monthly membership', amount_minor_units: PRICE,
      merchant_wallet: Keypair.generate().publicKey.toBase58(), delivery_type: 'INVITE_LINK',
      delivery_value: 'https://discord.gg/bench',
      membership_config: { enabled: true, platform: 'WEB', identity_type: 'WALLET', renewal_mode: 'AUTOMATIC',
                           billing_interval_days: INTERVAL_DAYS, grace_period_days: 3 },
    }, merchant);

    log(`${kind}: funding ${n} buyers`);
    const fundStarted = performance.now();
    const buyers = Array.from({ length: n }, () => Keypair.generate());
    await pool(buyers, CONCURRENCY, async (buyer) => {
      const wallet = buyer.publicKey.toBase58();
      if (rpc) {
        rpc.airdropSol(wallet, BUYER_LAMPORTS);
        rpc.mintUsdc(wallet, BUYER_USDC);
        return;
      }
      for (const [asset, amount] of [['SOL', BUYER_LAMPORTS], ['USDC', BUYER_USDC]]) {
        await call('POST', '/v1/sandbox/airdrop', { wallet, asset, amount_minor_units: amount });
      }
    });
    const fundingSeconds = (performance.now() - fundStarted) / 1000;

    // ---- 2. the baseline: N checkouts ---------------------------------------------------------------------
    log(`${kind}: ${n} checkouts, ${CONCURRENCY} in flight`);
    const latencies = [];
    let done = 0;
    const cpuBeforeCheckouts = hiltd.cpuMs();
    const checkoutStarted = performance.now();
    await pool(buyers, CONCURRENCY, async (buyer) => {
      const started = performance.now();
      const session = await call('POST', `/v1/products/p/${product.slug}/connect`, {});
      const id = session.payment_id;
      const built = await call('POST', `/v1/payments/${id}/transaction`, { buyer_wallet: buyer.publicKey.toBase58() });
      const tx = Transaction.from(Buffer.from(built.transaction, 'base64'));
      tx.partialSign(buyer);
      await call('POST', `/v1/payments/${id}/broadcast`, { signed_transaction: tx.serialize().toString('base64') });
      for (;;) {
        const payment = await call('GET', `/v1/payments/${id}`);
        if (payment.status === 'CONFIRMED') {
          if (payment.membership_status !== 'ACTIVE') throw new Error(`${id}: membership ${payment.membership_status}`);
          break;
        }
        if (payment.status === 'FAILED') throw new Error(`${id} failed: ${JSON.stringify(payment)}`);
        await sleep(CHECKOUT_POLL_MS);
      }
      latencies.push(performance.now() - started);
      if (++done % 1000 === 0) log(`${kind}: ${done} checkouts`);
    });
    const checkoutSeconds = (performance.now() - checkoutStarted) / 1000;
    const cpuPerCheckout = (hiltd.cpuMs() - cpuBeforeCheckouts) / n;
    const sortedLatencies = latencies.sort((a, b) => a - b);
    const setup = {
      funding_seconds: round(fundingSeconds, 2),
      checkout_seconds: round(checkoutSeconds, 2),
      checkouts_per_second: round(n / checkoutSeconds, 1),
      checkout_latency_ms: { p50: round(percentile(sortedLatencies, 50), 0),
                             p90: round(percentile(sortedLatencies, 90), 0),
                             max: round(sortedLatencies.at(-1), 0) },
      hiltd_cpu_ms_per_checkout: round(cpuPerCheckout, 3),
    };
    log(`${kind}: ${setup.checkouts_per_second} checkouts/s (${setup.checkout_seconds} s, p50 ` +
        `${setup.checkout_latency_ms.p50} ms), hiltd ${setup.hiltd_cpu_ms_per_checkout} ms CPU each`);

    // ---- 3. the measurement: every renewal due at once -------------------------------------------------------
    // Progress: the events newer than the newest one seen so far, of every type (newest first, so a walk from the
    // top down to it), of which the membership.renewed ones count; an idle poll is one limit=1 read. Each event is
    // read about once over the run. Not the type filter: events are indexed by (merchant, seq) only, so a typed
    // read scans every event of the workspace (30,000 here) until it has a page of that type, which it cannot
    // before the first renewals (it held hiltd's store lock 10 times a second). Not the analytics route either: it
    // reads and parses every membership of the product on each call (tens of milliseconds of CPU per call at a few
    // hundred memberships), and polling it slowed the worker. The walk's first page is sized from what the last
    // poll read (hiltd parses every event it returns, and the page that reaches the known one returns older ones).
    let top = null;
    let pollRequests = 0;
    let lastRead = 0;
    const newlyRenewed = async () => {
      pollRequests++;
      const head = await call('GET', '/v1/events?limit=1', undefined, merchant);
      if (head.data.length === 0 || head.data[0].id === top) return 0;
      let fresh = 0;
      let read = 0;
      let first = null;
      let limit = Math.min(100, Math.ceil(1.5 * lastRead) + 5);
      for (let cursor = ''; ; limit = 100) {
        pollRequests++;
        const page = await call('GET', `/v1/events?limit=${limit}${cursor}`, undefined, merchant);
        first ??= page.data[0]?.id ?? null;
        const known = page.data.findIndex((e) => e.id === top);
        const newer = known >= 0 ? page.data.slice(0, known) : page.data;
        read += newer.length;
        fresh += newer.filter((e) => e.type === 'membership.renewed').length;
        if (known >= 0 || !page.has_more) break;
        cursor = `&starting_after=${page.data.at(-1).id}`;
      }
      top = first;
      lastRead = read;
      return fresh;
    };
    // Where the walk starts: the newest event now; none of them a renewal (one typed read, before the window).
    top = (await call('GET', '/v1/events?limit=1', undefined, merchant)).data[0]?.id ?? null;
    const early = await call('GET', '/v1/events?type=membership.renewed&limit=1', undefined, merchant);
    if (early.data.length !== 0) throw new Error('renewals before the clock moved');
    pollRequests = 0;
    // hiltd's background cost with N memberships and nothing due (its watchers' ticks and this poll), for scale.
    const idleBefore = hiltd.cpuMs();
    const idleStarted = performance.now();
    while (performance.now() - idleStarted < IDLE_MS) {
      await newlyRenewed();
      await sleep(POLL_MS);
    }
    const idleCpuPerSecond = (hiltd.cpuMs() - idleBefore) / ((performance.now() - idleStarted) / 1000);
    pollRequests = 0;
    log(`${kind}: clock +${INTERVAL_DAYS} days - 1 h: ${n} renewals due`);
    const cpuBeforeRenewals = hiltd.cpuMs();
    const hostCpuBefore = process.cpuUsage();
    rpc?.resetStats();
    const started = performance.now();
    await call('POST', '/v1/sandbox/clock', { advance_seconds: INTERVAL_DAYS * 86_400 - HOUR + 1 }, merchant);
    const progress = [[0, 0]];
    let count = 0;
    let lastChange = performance.now();
    let rpcStats = null;
    let elapsedMs = 0;
    for (;;) {
      const now = performance.now();
      const fresh = await newlyRenewed();
      if (fresh > 0) {
        count += fresh;
        lastChange = now;
        progress.push([round(now - started, 0), count]);
      }
      if (count >= n) {
        // Read the adapter's counters as soon as the last renewal is seen; the time is that poll's start.
        rpcStats = rpc?.stats().sinceReset ?? null;
        elapsedMs = now - started;
        break;
      }
      if (now - lastChange > STALL_MS) throw new Error(`renewals stalled at ${count} of ${n} for ${STALL_MS / 1000} s`);
      await sleep(Math.max(0, POLL_MS - (performance.now() - now)));
    }
    const cpuPerRenewal = (hiltd.cpuMs() - cpuBeforeRenewals) / n;
    const hostCpu = process.cpuUsage(hostCpuBefore);

    // Checked from the event log: N membership.renewed, no failure.
    let events = 0;
    for (let cursor = ''; ;) {
      const page = await call('GET', `/v1/events?type=membership.renewed&limit=100${cursor}`, undefined, merchant);
      events += page.data.length;
      if (!page.has_more) break;
      cursor = `&starting_after=${page.data.at(-1).id}`;
    }
    const failed = (await call('GET', '/v1/events?type=membership.renewal_failed&limit=100', undefined,
                               merchant)).data.length;

    // The worker's passes, as seen from outside: a pass claims and sends up to 256 renewals, follows them, and
    // settles the landed ones in one SQLite transaction (settle_all), so a pass's membership.renewed events appear
    // at once; after a full batch the next pass starts at once, otherwise after the watch interval (1 s). Each
    // rise of the count between two polls is therefore one pass (or, when passes are quicker than the poll, the
    // few passes that settled since the last poll). A burst's size is that rise; the period, rise to rise.
    const bursts = [];
    for (let i = 1; i < progress.length; i++) {
      const size = progress[i][1] - progress[i - 1][1];
      if (size > 0) bursts.push({ start: progress[i][0], end: progress[i][0], size });
    }
    const periods = bursts.slice(1).map((x, i) => x.start - bursts[i].start);
    const pauses = progress.slice(1).map(([t], i) => t - progress[i][0]);
    const renewals = {
      seconds: round(elapsedMs / 1000, 3),
      per_second: round(n / (elapsedMs / 1000), 1),
      first_ms: progress.length > 1 ? progress[1][0] : null,
      hiltd_cpu_ms_per_renewal: round(cpuPerRenewal, 3),
      hiltd_idle_cpu_ms_per_second: round(idleCpuPerSecond, 1),
      bench_process_cpu_ms_per_renewal: round((hostCpu.user + hostCpu.system) / 1000 / n, 3),
      poll_requests: pollRequests,
      events_renewed: events,
      events_failed: failed,
      bursts: { count: bursts.length, median_size: median(bursts.map((x) => x.size)),
                max_size: bursts.length ? Math.max(...bursts.map((x) => x.size)) : null,
                median_period_ms: round(median(periods), 0),
                longest_pause_ms: pauses.length ? round(Math.max(...pauses), 0) : null },
      progress,
    };
    log(`${kind}: ${n} renewals in ${renewals.seconds} s = ${renewals.per_second}/s, hiltd ` +
        `${renewals.hiltd_cpu_ms_per_renewal} ms CPU each; ${bursts.length} bursts, median ` +
        `${renewals.bursts.median_size} every ${renewals.bursts.median_period_ms} ms, longest pause ` +
        `${renewals.bursts.longest_pause_ms} ms`);

    const result = {
      chain: kind, subscribers: n, concurrency: CONCURRENCY, setup, renewals,
      ratio_rate: round(renewals.per_second / setup.checkouts_per_second, 3),
      ratio_cpu: round(cpuPerRenewal / cpuPerCheckout, 3),
      hiltd_errors: hiltd.output().split('\n').filter((l) => /hiltd (renewals|watcher):/.test(l)).slice(0, 20),
    };
    if (rpc) {
      const methods = Object.fromEntries(Object.entries(rpcStats.methods).sort((a, b) => b[1] - a[1])
        .map(([name, calls]) => [name, { calls, per_renewal: round(calls / n, 4) }]));
      const perRenewal = rpcStats.total / n;
      result.rpc_rate_limit = RPC_RATE;
      result.slot_ms = SLOT_MS;
      result.rpc = {
        calls: rpcStats.total, per_renewal: round(perRenewal, 4), methods,
        expected_per_renewal: round(EXPECTED_PER_RENEWAL, 4),
        // The most renewals per second the cap allows at the measured calls per renewal.
        cap_bound_per_second: round(RPC_RATE / perRenewal, 1),
      };
      log(`${kind}: ${rpcStats.total} RPC calls = ${result.rpc.per_renewal} per renewal ` +
          `${JSON.stringify(rpcStats.methods)}`);
    }
    return result;
  } catch (e) {
    process.stderr.write(`renewals: ${kind}: ${e.stack ?? e}\n--- hiltd output (last 4000 chars) ---\n` +
                         `${hiltd.output().slice(-4000)}\n`);
    throw e;
  } finally {
    await hiltd.stop();
    await rpc?.stop();
  }
}

try {
  const sandbox = SCENARIOS.includes('sandbox') && SANDBOX_N > 0 ? await scenario('sandbox', SANDBOX_N) : null;
  const litesvm = SCENARIOS.includes('litesvm') && RPC_N > 0 ? await scenario('litesvm', RPC_N) : null;
  process.stdout.write(JSON.stringify({ bench: 'renewals', sandbox, litesvm }) + '\n');
} catch {
  process.exitCode = 1;
}
