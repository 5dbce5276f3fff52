// tests/oracle/harness.mjs: what every oracle test shares: the seed (printed, replayable with
// HILT_ORACLE_SEED), a seeded PRNG (mulberry32), and hilt_oracle_cli spawned once per test file with one JSON
// request a line in and one answer a line out.
import { after } from 'node:test';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

// The seed of this run; printed so that a failure can be replayed.
export function oracleSeed(name) {
  const seed = Number(process.env.HILT_ORACLE_SEED ?? (Date.now() % 2 ** 31));
  console.log(`${name} oracle: seed ${seed} (replay with HILT_ORACLE_SEED=${seed})`);
  return seed;
}

// mulberry32: next() in [0, 1), int(n) in [0, n), bytes(n), pick(list), chance(p).
export function prng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n) => Math.floor(next() * n);
  const bytes = (n) => Uint8Array.from({ length: n }, () => int(256));
  const pick = (list) => list[int(list.length)];
  return { next, int, bytes, pick, chance: (p) => next() < p };
}

// Starts the CLI (HILT_ORACLE_CLI, default the asan build) and returns call(request) -> Promise<answer>.
export function startOracle() {
  const cli = process.env.HILT_ORACLE_CLI ?? 'build/asan/tests/hilt_oracle_cli';
  const child = spawn(cli, [], { stdio: ['pipe', 'pipe', 'inherit'] });
  const pending = [];
  createInterface({ input: child.stdout }).on('line', (line) => pending.shift()?.resolve(JSON.parse(line)));
  child.on('exit', (code) => {
    for (const p of pending.splice(0)) p.reject(new Error(`hilt_oracle_cli exited with ${code}`));
  });
  after(() => child.stdin.end());
  const call = (request) =>
    new Promise((resolve, reject) => {
      pending.push({ resolve, reject });
      child.stdin.write(JSON.stringify(request) + '\n');
    });
  return { call, callAll: (requests) => Promise.all(requests.map(call)) };
}
