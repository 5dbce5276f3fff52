// tests/e2e/hiltd.mjs: a real hiltd process for end-to-end tests: a fresh SQLite file in a temp folder, a
// free loopback port, readiness by polling /v1/health (never a fixed sleep), a merchant created with
// `hiltd merchant create`, and JSON helpers over fetch. The binary comes from HILT_HILTD.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const hiltdPath = process.env.HILT_HILTD ?? 'build/asan/server/hiltd';

export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// A free loopback port below the kernel's ephemeral range (net.ipv4.ip_local_port_range, 32768-60999 on
// Debian), for a hiltd restarted many times on the same port: while it is down, no client connection's own
// (ephemeral) port can take it. Throws when the range read is not the expected form.
export async function freeStablePort() {
  const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
  if (!(low > 10_000)) throw new Error(`unexpected ephemeral port range starting at ${low}`);
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const port = 10_000 + Math.floor(Math.random() * (low - 10_000));
    const free = await new Promise((resolve) => {
      const server = createServer();
      server.unref();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port below the ephemeral range after 100 tries');
}

// fetch + JSON against `base` (hiltd itself, or nginx in front of it):
// (method, path, body?, headers?) -> { status, body (parsed JSON or null), text, headers }.
export function jsonClient(base) {
  return async (method, path, body, headers = {}) => {
    const res = await fetch(base + path, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json = null;
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
    return { status: res.status, body: json, text, headers: res.headers };
  };
}

// Starts hiltd; returns { base, db, dir, stop(signal), restart(), createMerchant(name), api(...) }.
// `stablePort`: a port outside the ephemeral range (freeStablePort), for tests that restart hiltd many times.
export async function startHiltd(extraArgs = [], { stablePort = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'hilt-e2e-'));
  const db = join(dir, 'hilt.sqlite');
  const port = stablePort ? await freeStablePort() : await freePort();
  const base = `http://127.0.0.1:${port}`;
  let child = null;
  let output = '';

  const launch = async () => {
    child = spawn(hiltdPath, ['serve', '--db', db, '--host', '127.0.0.1', '--port', String(port), ...extraArgs], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`hiltd exited early:\n${output}`);
      try {
        const res = await fetch(`${base}/v1/health`);
        if (res.status === 200) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`hiltd did not become ready:\n${output}`);
      await Promise.race([exited, new Promise((r) => setTimeout(r, 25))]);
    }
  };
  await launch();

  // Stops hiltd with `signal`; a SIGTERM must end it cleanly (exit 0) within 10 s, or this throws.
  const stop = async (signal = 'SIGTERM') => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', (code, sig) => resolve({ code, sig })));
    child.kill(signal);
    const timer = new Promise((resolve) => setTimeout(() => resolve(null), 10_000).unref());
    const result = await Promise.race([exited, timer]);
    if (result === null) {
      child.kill('SIGKILL');
      await exited;
      throw new Error(`hiltd did not stop within 10 s of ${signal}:\n${output}`);
    }
    if (signal === 'SIGTERM' && result.code !== 0) {
      throw new Error(`hiltd exited with ${result.code ?? result.sig} on SIGTERM:\n${output}`);
    }
  };

  // `subscriptions`: the workspace may sell AUTOMATIC (native subscription) products.
  const createMerchant = (name, { subscriptions = false } = {}) => {
    const args = ['merchant', 'create', '--name', name, ...(subscriptions ? ['--subscriptions'] : []), '--db', db];
    const out = execFileSync(hiltdPath, args, { encoding: 'utf8' });
    const key = /api_key: (hk_\S+)/.exec(out)?.[1];
    if (!key) throw new Error(`no api key in: ${out}`);
    return key;
  };

  const api = jsonClient(base);

  return {
    base,
    db,
    dir,
    api,
    stop,
    createMerchant,
    output: () => output,
    // Whether the process started last is still running (not exited on its own or stopped).
    running: () => child !== null && child.exitCode === null && child.signalCode === null,
    restart: async (signal = 'SIGTERM') => {
      await stop(signal);
      await launch();
    },
    cleanup: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// Polls `probe` until it returns a truthy value (a readiness check on the payment state, not a sleep).
export async function waitFor(probe, what, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
