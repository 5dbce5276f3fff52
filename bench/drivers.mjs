// bench/drivers.mjs: what the node bench drivers share (renewals.mjs, broadcast_clients.mjs): a bounded pool of
// work in flight, one hiltd process on a fresh database with its CPU time, a call that must succeed, and the
// arithmetic of their figures.
// Owns: nothing but these helpers. Must never: assert (the drivers measure; scripts/bench reports).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../tests/e2e/hiltd.mjs';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const round = (v, digits = 3) => (v === null || v === undefined || !Number.isFinite(v) ? null
                                                                                       : Number(v.toFixed(digits)));
export const percentile = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
export const median = (xs) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] : null);

// Runs `fn` over `items` with at most `limit` in flight; the first error stops handing out work.
export async function pool(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  let failed = null;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length && !failed) {
      const i = next++;
      try {
        results[i] = await fn(items[i], i);
      } catch (e) {
        failed ??= e;
      }
    }
  }));
  if (failed) throw failed;
  return results;
}

// One hiltd (the binary at `path`) on a fresh database, without the public rate limit; readiness by polling
// /v1/health.
export async function startHiltd(path, extra = []) {
  const dir = mkdtempSync(join(tmpdir(), 'hilt-bench-'));
  const db = join(dir, 'hilt.sqlite');
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  let output = '';
  const child = spawn(path, ['serve', '--db', db, '--host', '127.0.0.1', '--port', String(port),
                              '--public-rate-limit', '0', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const hiltd = {
    base, db, child,
    output: () => output,
    // hiltd's CPU time so far (user + system, ms, USER_HZ 100).
    cpuMs: () => {
      const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`hiltd exited early:\n${output}`);
    try {
      if ((await fetch(`${base}/v1/health`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`hiltd did not become ready:\n${output}`);
    await sleep(25);
  }
  return hiltd;
}

// A call that must succeed: the parsed body, or an error naming the call.
export function strict(api) {
  return async (method, path, body, headers, want = [200, 201]) => {
    const res = await api(method, path, body, headers);
    if (!want.includes(res.status)) throw new Error(`${method} ${path}: ${res.status} ${res.text}`);
    return res.body;
  };
}
