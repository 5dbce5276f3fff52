// bench/report.mjs: scripts/bench's report. Reads the JSON lines the runs wrote (one per run, tagged with part,
// target and round), takes each target's median over its rounds with their spread (lowest-highest), divides it by
// its baseline's median from the same run, and prints the figures, the ratios and the targets; with --markdown and
// --json it also writes them as a Markdown page and its JSON twin (scripts/bench: bench/report.md, .json).
// Owns: the arithmetic and the targets (the issues' "Measured, not asserted"). Must never: drop a round, or
// compare figures from different runs of scripts/bench.
// Usage: node bench/report.mjs RESULTS.jsonl [--markdown FILE] [--json FILE] [--meta JSON]
//        (exit 0 always: figures are measured, not asserted)
import { readFileSync, writeFileSync } from 'node:fs';

const [resultsFile, ...rest] = process.argv.slice(2);
const options = {};
for (let i = 0; i < rest.length; i += 2) options[rest[i].replace(/^--/, '')] = rest[i + 1];
const meta = options.meta ? JSON.parse(options.meta) : {};

const lines = readFileSync(resultsFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const runs = (part, target) => lines.filter((l) => l.part === part && l.target === target);

const median = (xs) => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// A target's rounds: the median rate (requests, or commits, per second) and p99 with their spreads.
function total(part, target) {
  const rs = runs(part, target);
  const rates = rs.map((r) => r.rps ?? r.commits_per_second ?? (r.requests ?? r.commits) / r.seconds);
  const errors = rs.reduce((a, r) => a + (r.errors ? Object.values(r.errors).reduce((x, y) => x + y, 0) : 0), 0);
  const p99s = rs.map((r) => r.p99_ms).filter((v) => v !== undefined);
  return {
    rounds: rs.length,
    rate: median(rates) ?? 0,
    rate_min: rates.length ? Math.min(...rates) : null,
    rate_max: rates.length ? Math.max(...rates) : null,
    errors,
    p99_ms: p99s.length ? Math.max(...p99s) : null, // the worst round's p99
    p99_median_ms: median(p99s),
    p99_min_ms: p99s.length ? Math.min(...p99s) : null,
    per_round: rates.map((v) => Math.round(v)),
  };
}

const fmt = (v, digits = 0) => (v === null || v === undefined ? '-' : Number(v).toFixed(digits));
const pct = (v) => `${(v * 100).toFixed(0)}%`;
// "median (lowest-highest over N rounds)"
const spread = (t, digits = 0) => `${fmt(t.rate, digits)} (${fmt(t.rate_min, digits)}-${fmt(t.rate_max, digits)}, ` +
  `${t.rounds} rounds)`;
const verdict = (ok) => (ok ? 'met' : 'MISSED');
const rows = [];
function row(figure, value, baseline, ratio, target, ok) {
  rows.push([figure, value, baseline, ratio, target, ok === null ? '' : verdict(ok)]);
}

// (a) payload straight at hiltd vs a bare cpp-httplib server, and vs hiltd's own static serving.
const aH = total('a', 'hiltd');
const aB = total('a', 'bare_httplib');
const aS = total('a', 'hiltd_static');
if (aH.rounds && aB.rounds) {
  const r = aH.rate / aB.rate;
  row('(a) payload GET at hiltd, req/s', spread(aH), `bare httplib ${spread(aB)}`, pct(r), '>= 85%', r >= 0.85);
  if (aS.rounds) {
    row('    vs hiltd serving the same bytes as a static file', '', `hiltd static ${spread(aS)}`,
        pct(aH.rate / aS.rate), '', null);
  }
  row('    p99 ms (median round)', fmt(aH.p99_median_ms, 2),
      `bare ${fmt(aB.p99_median_ms, 2)}${aS.rounds ? `, static ${fmt(aS.p99_median_ms, 2)}` : ''}`,
      `x${(aH.p99_median_ms / aB.p99_median_ms).toFixed(2)}`, '', null);
  row('    errors (hiltd / bare / static)', `${aH.errors}`, `${aB.errors} / ${aS.errors}`, '', '0', aH.errors === 0);
}
// (b) payload through nginx (micro-cache) vs nginx serving the bytes as a static file.
const bN = total('b', 'nginx_payload');
const bS = total('b', 'nginx_static');
if (bN.rounds && bS.rounds) {
  const r = bN.rate / bS.rate;
  row('(b) payload GET via nginx, req/s', spread(bN), `nginx static ${spread(bS)}`, pct(r), '>= 70%', r >= 0.70);
  row('    errors (nginx payload / static)', `${bN.errors}`, `${bS.errors}`, '', '0', bN.errors === 0);
}
// (c) connect at 64 clients vs a bare one-row-commit loop.
const cC = total('c', 'connect');
const cS = total('c', 'sqlite_commit');
if (cC.rounds && cS.rounds) {
  const r = cC.rate / cS.rate;
  row('(c) connect, sessions/s (64 clients)', spread(cC), `sqlite commits ${spread(cS)}`, pct(r), '>= 25%',
      r >= 0.25);
  row('    connect p99 ms (worst / median round)', `${fmt(cC.p99_ms, 1)} / ${fmt(cC.p99_median_ms, 1)}`,
      `commit p99 ${fmt(cS.p99_ms, 1)} / ${fmt(cS.p99_median_ms, 1)}`, '', '< 10 ms', cC.p99_ms < 10);
  const littles = (64 / cC.rate) * 1000;
  row('    mean latency 64/rate (Little) ms', fmt(littles, 1), '', '', '', null);
  row('    errors', `${cC.errors}`, '', '', '0', cC.errors === 0);
}
const cP = total('c', 'connect_paced');
if (cP.rounds) {
  const [first] = runs('c', 'connect_paced');
  row(`(c) connect p99 ms at ${first.clients} clients x ${1000 / first.interval_ms}/s (worst / median round)`,
      `${fmt(cP.p99_ms, 1)} / ${fmt(cP.p99_median_ms, 1)} (${spread(cP)} sessions/s)`,
      cS.rounds ? `commit p99 ${fmt(cS.p99_median_ms, 1)} (median round)` : '', '', '< 10 ms', cP.p99_ms < 10);
  row('    errors', `${cP.errors}`, '', '', '0', cP.errors === 0);
  const lags = runs('c', 'connect_paced').map((r) => r.client_lag_p99_ms);
  row('    client timer lag p99 ms (per round)', lags.map((v) => fmt(v, 1)).join(' '), '', '', '', null);
}
// (d) buyers polling payment status through nginx.
const [d] = runs('d', 'poll_status');
const [dS] = runs('d', 'poll_static');
if (d) {
  const base = dS ? `static via nginx: p99 ${fmt(dS.steady.p99_ms, 1)}` : '';
  row(`(d) ${d.buyers} buyers polling 1/s, p99 ms`, `${fmt(d.steady.p99_ms, 1)} (p50 ${fmt(d.steady.p50_ms, 1)}, ${d.rps} req/s)`,
      base, dS ? `x${(d.steady.p99_ms / dS.steady.p99_ms).toFixed(1)}` : '', '< 25 ms', d.steady.p99_ms < 25);
  row('    errors', `${d.errors} ${JSON.stringify(d.error_kinds)}`, dS ? `${dS.errors}` : '', '', '0', d.errors === 0);
  row('    new buyer first request p99 ms', fmt(d.first.p99_ms, 1),
      dS ? `static: ${fmt(dS.first.p99_ms, 1)}` : '',
      dS ? `x${(d.first.p99_ms / dS.first.p99_ms).toFixed(1)}` : '', '< 100 ms', d.first.p99_ms < 100);
  row('    hiltd VmRSS MB (end / peak sampled / HWM)',
      `${fmt(d.hiltd_rss_kb / 1024, 1)} / ${fmt(d.hiltd_rss_max_sampled_kb / 1024, 1)} / ${fmt(d.hiltd_hwm_kb / 1024, 1)}`,
      '', '', '< 128 MB', d.hiltd_hwm_kb / 1024 < 128);
  row('    client timer lag p99 ms', fmt(d.client_lag.p99_ms, 1), dS ? fmt(dS.client_lag.p99_ms, 1) : '', '', '', null);
}

// (e) the watcher's RPC requests per waiting payment (bench/rpc_watch.mjs).
const [e] = runs('e', 'rpc_watch');
if (e) {
  row(`(e) RPC req per pending payment per s (${e.sessions} waiting)`, fmt(e.steady.per_pending_per_second, 4),
      `${fmt(e.steady.requests_per_second, 2)} req/s, peak ${e.steady.peak_1s} in 1 s`, '', '<= 0.01',
      e.steady.per_pending_per_second <= 0.01);
  row('    peak requests in any second (unseen txs / steady) vs cap', `${e.unseen.peak_1s} / ${e.steady.peak_1s}`,
      `cap ${e.rate_cap}`, '', '<= cap', Math.max(e.unseen.peak_1s, e.steady.peak_1s) <= e.rate_cap);
  row('    broadcast -> CONFIRMED p50 ms', fmt(e.confirm_latency.p50_ms, 0),
      `adapter delay ${e.confirm_latency.adapter_delay_ms} ms`, `x${e.confirm_latency.ratio_p50}`, '', null);
}
// (f) the checkout page (bench/checkout_page.mjs).
const [f] = runs('f', 'checkout_page');
if (f) {
  row('(f) checkout .js+.wasm brotli bytes', `${f.checkout_br_bytes}`, `bare ImGui ${f.bare_imgui_br_bytes}`,
      `x${f.size_ratio}`, '<= 250 KB', f.checkout_br_bytes <= 250 * 1024);
  const rounds = (xs) => ({ rate: median(xs), rate_min: Math.min(...xs), rate_max: Math.max(...xs), rounds: xs.length });
  const ttff = f.ttff_checkout_rounds_ms ? spread(rounds(f.ttff_checkout_rounds_ms)) : fmt(f.ttff_checkout_ms, 0);
  const bare = f.ttff_bare_rounds_ms ? spread(rounds(f.ttff_bare_rounds_ms)) : fmt(f.ttff_bare_ms, 0);
  row('    time to first frame ms (drawn: its fence signalled)', ttff, `bare ImGui ${bare}`, `x${f.ttff_ratio}`,
      '<= x1.25', f.ttff_ratio <= 1.25);
  if (f.ttff_issued_ratio !== undefined) {
    row('    (beside it) when that frame\'s commands were issued', fmt(f.ttff_issued_checkout_ms, 0),
        `bare ImGui ${fmt(f.ttff_issued_bare_ms, 0)}`, `x${f.ttff_issued_ratio}`, '', null);
  }
  if (f.ttff_bare_text_rounds_ms) {
    row('    (beside it) vs the bare page with the shell\'s text', ttff,
        `bare ImGui + text ${spread(rounds(f.ttff_bare_text_rounds_ms))}`, `x${f.ttff_ratio_bare_text}`, '', null);
  }
  if (f.ttff_bare_headers_rounds_ms) {
    row('    (beside it) vs the bare page served with the headers /p/ got', ttff,
        `bare ImGui + headers ${spread(rounds(f.ttff_bare_headers_rounds_ms))}`, `x${f.ttff_ratio_bare_headers}`,
        '', null);
  }
  if (f.ttff_link_checkout_rounds_ms) {
    row('    (beside it) both reached by a link on another site (a new renderer each)',
        spread(rounds(f.ttff_link_checkout_rounds_ms)), `bare ImGui ${spread(rounds(f.ttff_link_bare_rounds_ms))}`,
        `x${f.ttff_ratio_link}`, '', null);
  }
  // Where a load's time goes, medians in ms after navigation start: each part's arrival, the .wasm's
  // instantiation, the first contentful paint (the checkout's shell text), the first frame issued and drawn.
  const phases = (p) => Object.entries(p).filter(([, t]) => t !== null).map(([name, t]) => `${name} ${fmt(t, 0)}`).join(', ');
  if (f.ttff_phases_checkout_ms) {
    row('    (beside it) phases, checkout', phases(f.ttff_phases_checkout_ms), '', '', '', null);
    row('    (beside it) phases, bare ImGui', phases(f.ttff_phases_bare_ms), '', '', '', null);
  }
  if (f.ttff_gpu_defaults_checkout_rounds_ms) {
    // The same loads in a browser that leaves the GPU to Chromium (no GPU flags: compositing and raster in
    // software, WebGL on the same SwiftShader), interleaved with the rows above.
    row('    (beside it) Chromium\'s own GPU defaults: first frame, blank tab',
        spread(rounds(f.ttff_gpu_defaults_checkout_rounds_ms)),
        `bare ImGui ${spread(rounds(f.ttff_gpu_defaults_bare_rounds_ms))}`, `x${f.ttff_ratio_gpu_defaults}`, '', null);
    row('    (beside it) Chromium\'s own GPU defaults: both reached by a link',
        spread(rounds(f.ttff_gpu_defaults_link_checkout_rounds_ms)),
        `bare ImGui ${spread(rounds(f.ttff_gpu_defaults_link_bare_rounds_ms))}`, `x${f.ttff_ratio_gpu_defaults_link}`,
        '', null);
    row('    (beside it) phases there, checkout', phases(f.ttff_phases_gpu_defaults_checkout_ms), '', '', '', null);
    row('    (beside it) phases there, bare ImGui', phases(f.ttff_phases_gpu_defaults_bare_ms), '', '', '', null);
  }
  row('    click to CONFIRMED ms (sandbox)', f.click_to_confirmed_rounds_ms
    ? spread(rounds(f.click_to_confirmed_rounds_ms)) : fmt(f.click_to_confirmed_ms, 0), '', '', '', null);
}

// (g) webhook deliveries (bench/webhook_deliveries.mjs).
const [g] = runs('g', 'webhook_deliveries');
if (g) {
  row(`(g) webhook deliveries per s (${g.endpoints} endpoints, loopback sink)`, `${g.throughput.per_second}`,
      `rounds ${g.throughput.per_round.join(' / ')}`, '', '>= 200', g.throughput.per_second >= 200);
  const get = g.public_get;
  // The target: every round's latencies pooled, busy over both control runs, with the ratio's 90% interval
  // from resampling whole rounds (older runs: the median of each round's p99, busy over the control).
  const interval = (r) => `x${r.ratio} (90% x${r.interval_90[0]}-x${r.interval_90[1]})`;
  const target = get.pooled?.busy_over_controls;
  if (target) {
    row(`    public GET p99 ms at ${get.rate}/s while delivering ${get.busy.deliveries_per_second}/s (rounds pooled)`,
        fmt(get.pooled.p99_ms.busy, 2),
        `controls ${fmt(get.pooled.p99_ms.control, 2)} / ${fmt(get.pooled.p99_ms.control_again, 2)} (quiet ${fmt(get.pooled.p99_ms.quiet, 2)})`,
        interval(target), '<= x1.10', target.ratio <= 1.10);
    row('    (beside it) the noise floor: control again / control, pooled', '', '',
        interval(get.pooled.control_again_over_control), '', null);
  }
  row(`    public GET p99 ms${target ? ', median of rounds' : ` at ${get.rate}/s while delivering ${get.busy.deliveries_per_second}/s`}`,
      fmt(get.busy.p99_ms, 2), `control ${fmt(get.control.p99_ms, 2)} (quiet ${fmt(get.quiet.p99_ms, 2)})`,
      `x${get.ratio_p99}`, target ? '' : '<= x1.10', target ? null : get.ratio_p99 <= 1.10);
  if (get.ratio_p99_per_round) {
    row('    (beside it) busy / control, round by round', get.ratio_p99_per_round.map((r) => `x${r}`).join(' '),
        '', '', '', null);
  }
  if (get.ratio_p99_same_per_round) {
    row('    (beside it) control run again / control, round by round', fmt(get.control_again.p99_ms, 2),
        `rounds ${get.ratio_p99_same_per_round.map((r) => `x${r}`).join(' ')}`, `x${get.ratio_p99_same}`, '', null);
  }
  row('    saturated (wrk) p99 ms / requests per s while delivering', `${fmt(get.saturated.busy.p99_ms, 2)} / ${get.saturated.busy.rps}`,
      `idle ${fmt(get.saturated.idle.p99_ms, 2)} / ${get.saturated.idle.rps}`,
      `x${get.saturated.ratio_p99} / x${get.saturated.ratio_rps}`, '', null);
  row('    hiltd CPU ms per delivery / per payload GET', fmt(g.throughput.hiltd_cpu_ms_per_delivery, 3),
      `GET ${fmt(g.throughput.get_cpu_ms_per_request, 3)}`, '', '', null);
  if (get.busy.hiltd_cpu_ms_per_second !== undefined) {
    row('    hiltd CPU ms per s while delivering paced', fmt(get.busy.hiltd_cpu_ms_per_second, 0),
        `control ${fmt(get.control.hiltd_cpu_ms_per_second, 0)} (quiet ${fmt(get.quiet.hiltd_cpu_ms_per_second, 0)})`,
        `x${fmt(get.busy.hiltd_cpu_ms_per_second / get.control.hiltd_cpu_ms_per_second, 3)}`, '', null);
  }
  if (g.throughput.sink_cpu_ms_per_delivery !== undefined) {
    row('    sink CPU ms per delivery / per s while delivering paced', fmt(g.throughput.sink_cpu_ms_per_delivery, 3),
        `${fmt(get.busy.sink_cpu_ms_per_second, 1)} ms/s`, '', '', null);
  }
}

// (h) renewals falling due at once (bench/renewals.mjs): against the same subscribers' checkouts, and RPC calls.
const [h] = runs('h', 'renewals');
for (const s of h ? [h.sandbox, h.litesvm].filter(Boolean) : []) {
  const chain = s.chain === 'sandbox' ? 'sandbox' : `LiteSVM, --rpc-rate-limit ${s.rpc_rate_limit}`;
  row(`(h) renewals per s, ${s.subscribers} due at once (${chain})`,
      `${fmt(s.renewals.per_second, 1)} (${fmt(s.renewals.seconds, 1)} s)`,
      `checkouts ${fmt(s.setup.checkouts_per_second, 1)}/s, ${s.concurrency} in flight`, `x${s.ratio_rate}`, '', null);
  row('    hiltd CPU ms per renewal (idle ms/s before)',
      `${fmt(s.renewals.hiltd_cpu_ms_per_renewal, 2)} (${fmt(s.renewals.hiltd_idle_cpu_ms_per_second)})`,
      `per checkout ${fmt(s.setup.hiltd_cpu_ms_per_checkout, 2)}`, `x${s.ratio_cpu}`, '', null);
  // Passes from the progress samples: each rise of the renewed count between two polls is a pass's settle_all
  // (bench/renewals.mjs); recomputed here so that runs recorded before that definition read the same.
  const rises = (s.renewals.progress ?? []).slice(1)
    .map(([t, c], i) => ({ t, size: c - s.renewals.progress[i][1] })).filter((r) => r.size > 0);
  const periods = rises.slice(1).map((r, i) => r.t - rises[i].t);
  row('    settled per pass (median / max), pass period ms (median)',
      `${fmt(median(rises.map((r) => r.size)))} / ${rises.length ? Math.max(...rises.map((r) => r.size)) : '-'}, ` +
      `${fmt(median(periods))}`, `longest pause ${fmt(s.renewals.bursts.longest_pause_ms)} ms`, '', '', null);
  if (s.rpc) {
    row('    RPC calls per renewal', fmt(s.rpc.per_renewal, 3), `plan ${fmt(s.rpc.expected_per_renewal, 3)}`,
        `x${(s.rpc.per_renewal / s.rpc.expected_per_renewal).toFixed(2)}`, '~2.03 (plan)', null);
    const methods = Object.entries(s.rpc.methods).map(([m, v]) => `${m} ${fmt(v.per_renewal, 3)}`);
    for (let i = 0; i < methods.length; i += 3) {
      row(i === 0 ? '    per method' : '', methods.slice(i, i + 3).join(', '),
          i === 0 ? `cap allows ${fmt(s.rpc.cap_bound_per_second)} renewals/s` : '', '', '', null);
    }
  }
  if (s.renewals.events_renewed !== s.subscribers || s.renewals.events_failed > 0) {
    row('    membership.renewed / renewal_failed events', `${s.renewals.events_renewed} / ${s.renewals.events_failed}`,
        '', '', `${s.subscribers} / 0`, false);
  }
}

// (i) broadcasts against a libsodium verify loop (bench/broadcast_clients.mjs).
const [iB] = runs('i', 'broadcast');
if (iB) {
  const rate = { rate: median(iB.rounds.map((r) => r.broadcasts_per_second)),
                 rate_min: Math.min(...iB.rounds.map((r) => r.broadcasts_per_second)),
                 rate_max: Math.max(...iB.rounds.map((r) => r.broadcasts_per_second)), rounds: iB.rounds.length };
  const verify = { rate: median(iB.rounds.map((r) => r.verifies_per_second)),
                   rate_min: Math.min(...iB.rounds.map((r) => r.verifies_per_second)),
                   rate_max: Math.max(...iB.rounds.map((r) => r.verifies_per_second)), rounds: iB.rounds.length };
  row(`(i) broadcasts per s (${iB.clients} clients, ${iB.payments} per round)`, spread(rate),
      `libsodium verifies/s ${spread(verify)}`, pct(rate.rate / verify.rate), '', null);
  // CPU per broadcast against CPU per check (the loop keeps its threads busy: threads / verifies per second).
  const cpu = median(iB.rounds.map((r) => r.hiltd_cpu_ms_per_broadcast));
  const threads = iB.rounds[0].verify_threads;
  const perCheck = (1000 * threads) / verify.rate;
  row('    hiltd CPU ms per broadcast', fmt(cpu, 3), `per check ${fmt(perCheck, 4)}`, `x${(cpu / perCheck).toFixed(1)}`,
      '', null);
  row('    broadcast latency p50 / p99 ms (median round)',
      `${fmt(median(iB.rounds.map((r) => r.p50_ms)), 1)} / ${fmt(median(iB.rounds.map((r) => r.p99_ms)), 1)}`, '',
      '', '', null);
  row('    errors', `${iB.errors}`, '', '', '0', iB.errors === 0);
}

const header = ['figure', 'measured', 'baseline (same run)', 'ratio', 'target', ''];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
const line = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ').trimEnd();
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
for (const r of rows) console.log(line(r));

if (options.markdown) {
  const cell = (c) => String(c).replace(/\|/g, '\\|').replace(/^ +/, (m) => '\u00a0'.repeat(m.length));
  const md = [
    '# Hilt benchmark report',
    '',
    'Written by `scripts/bench` (bench/report.mjs); the raw lines are in its run folder. Every figure is the median',
    'of its rounds, with the lowest and highest round in brackets, beside its baseline measured in the same run on',
    'the same machine, interleaved round by round. Only the ratios compare across runs: the machines are shared.',
    '',
    `- commit: ${meta.commit ?? '-'}; date: ${meta.date ?? '-'}; cores: ${meta.cores ?? '-'}; build: ${meta.build ?? '-'}`,
    `- rounds: ${meta.rounds ?? '-'}, ${meta.seconds_per_run ?? '-'} s per run; parts: ${meta.parts ?? '-'}`,
    `- load average before / after: ${meta.load_before ?? '-'} / ${meta.load_after ?? '-'}`,
    '',
    `| ${header.map(cell).join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
    '',
  ].join('\n');
  writeFileSync(options.markdown, md);
}
if (options.json) {
  const keys = ['figure', 'measured', 'baseline', 'ratio', 'target', 'verdict'];
  const figures = rows.map((r) => Object.fromEntries(keys.map((k, i) => [k, r[i]])));
  writeFileSync(options.json, `${JSON.stringify({ meta, figures, results: lines }, null, 1)}\n`);
}
