// tests/support/webhook_receiver.mjs: a webhook receiver for tests, in its own process, that checks Hilt's
// Standard Webhooks signatures with code independent of hiltd's: node's crypto for v1 (HMAC-SHA256) and
// tweetnacl for v1a (ed25519).
//
// Use:
//   const receiver = await startWebhookReceiver();  // → { url(name), configure(name, cfg), log(), stop() }
//   node tests/support/webhook_receiver.mjs   prints `webhook-receiver listening on http://127.0.0.1:PORT`.
// Routes: POST /hooks/<name> receives deliveries for the endpoint called <name>; POST /admin/config
//   {name, secrets?: ["whsec_…"], public_key?: "whpk_…", status?: 200, fail_first?: N, hang?: bool} sets how
//   that endpoint answers (fail_first N: the first N deliveries answer 500, then `status`; hang: never answer
//   until stop); GET /admin/log → every delivery received: {name, id, timestamp, type, event_id, body,
//   signature, v1 (index of the secret that verified, or null), v1a (bool), fresh (timestamp within 5 min),
//   answered (status), at (ms since start)}; GET /admin/hanging → how many requests are held open now.
// Must never: listen on anything but loopback.
import { createServer } from 'node:http';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import nacl from 'tweetnacl';

const TOLERANCE_SECONDS = 5 * 60;

// The Standard Webhooks check: which v1 secret (index) and whether v1a verify `body` as received.
export function verifyWebhook({ id, timestamp, body, signature }, { secrets = [], publicKey = null, now = Date.now() }) {
  const content = Buffer.from(`${id}.${timestamp}.${body}`, 'utf8');
  const listed = String(signature ?? '').split(' ').filter(Boolean).map((s) => s.split(','));
  let v1 = null;
  secrets.forEach((secret, index) => {
    if (v1 !== null) return;
    const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
    const expected = createHmac('sha256', key).update(content).digest();
    for (const [version, value] of listed) {
      if (version !== 'v1') continue;
      const given = Buffer.from(value ?? '', 'base64');
      if (given.length === expected.length && timingSafeEqual(given, expected)) v1 = index;
    }
  });
  let v1a = false;
  if (publicKey) {
    const key = new Uint8Array(Buffer.from(publicKey.replace(/^whpk_/, ''), 'base64'));
    for (const [version, value] of listed) {
      if (version !== 'v1a') continue;
      const given = new Uint8Array(Buffer.from(value ?? '', 'base64'));
      if (given.length === 64 && nacl.sign.detached.verify(new Uint8Array(content), given, key)) v1a = true;
    }
  }
  const fresh = Math.abs(now / 1000 - Number(timestamp)) <= TOLERANCE_SECONDS;
  return { v1, v1a, fresh };
}

function serve() {
  const started = Date.now();
  const configs = new Map();
  const seen = new Map();  // name -> deliveries received
  const log = [];
  const hanging = new Set();
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const reply = (status, json) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(json));
      };
      if (req.method === 'POST' && req.url === '/admin/config') {
        const cfg = JSON.parse(body);
        configs.set(cfg.name, { ...(configs.get(cfg.name) ?? {}), ...cfg });
        return reply(200, { ok: true });
      }
      if (req.method === 'GET' && req.url === '/admin/log') return reply(200, log);
      if (req.method === 'GET' && req.url === '/admin/hanging') return reply(200, { hanging: hanging.size });
      const match = /^\/hooks\/([\w-]+)$/.exec(req.url ?? '');
      if (req.method !== 'POST' || !match) return reply(404, { error: 'no such route' });
      const name = match[1];
      const cfg = configs.get(name) ?? {};
      const count = (seen.get(name) ?? 0) + 1;
      seen.set(name, count);
      const headers = { id: req.headers['webhook-id'], timestamp: req.headers['webhook-timestamp'],
                        signature: req.headers['webhook-signature'] };
      const verdict = verifyWebhook({ ...headers, body }, { secrets: cfg.secrets ?? [], publicKey: cfg.public_key });
      let parsed = null;
      try { parsed = JSON.parse(body); } catch { parsed = null; }
      const status = cfg.hang ? null : count <= (cfg.fail_first ?? 0) ? 500 : (cfg.status ?? 200);
      log.push({ name, ...headers, type: parsed?.type ?? null, event_id: parsed?.id ?? null, body, ...verdict,
                 answered: status, at: Date.now() - started });
      if (status === null) {
        hanging.add(res);
        res.on('close', () => hanging.delete(res));
        return;
      }
      reply(status, { received: status < 300 });
    });
  });
  server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
    console.log(`webhook-receiver listening on http://127.0.0.1:${server.address().port}`);
  });
  const quit = () => {
    for (const res of hanging) res.destroy();
    server.close(() => process.exit(0));
  };
  process.on('SIGTERM', quit);
  process.on('SIGINT', quit);
}

// Starts the receiver as a child process; resolves once it listens.
export async function startWebhookReceiver() {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const base = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const found = /listening on (http:\/\/\S+)/.exec(out);
      if (found) resolve(found[1]);
    });
    child.once('exit', (code) => reject(new Error(`webhook receiver exited with ${code}`)));
  });
  const call = async (method, path, json) => {
    const res = await fetch(base + path, { method, headers: { 'content-type': 'application/json' },
                                           body: json === undefined ? undefined : JSON.stringify(json) });
    return res.json();
  };
  return {
    base,
    url: (name) => `${base}/hooks/${name}`,
    configure: (name, cfg) => call('POST', '/admin/config', { name, ...cfg }),
    log: () => call('GET', '/admin/log'),
    hanging: async () => (await call('GET', '/admin/hanging')).hanging,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) serve();
