// tests/e2e/nginx.mjs: Debian's nginx with the shipped deploy/nginx.conf in front of a hiltd, for
// end-to-end tests: the placeholders filled for a temp folder and a free loopback port, readiness by
// polling /v1/health through it (never a fixed sleep), a stop that always waits for the exit.
// The binary comes from HILT_NGINX, else `nginx` on PATH, else /usr/sbin/nginx; when none exists
// the caller fails (scripts/setup installs it): nginx is part of what this project ships.
import { spawn } from 'node:child_process';
import { accessSync, constants, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './hiltd.mjs';

export const nginxConfPath = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'deploy', 'nginx.conf');

function executable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

// The nginx binary, or null.
export function findNginx() {
  if (process.env.HILT_NGINX) return executable(process.env.HILT_NGINX) ? process.env.HILT_NGINX : null;
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const dir of [...dirs, '/usr/sbin']) {
    if (executable(join(dir, 'nginx'))) return join(dir, 'nginx');
  }
  return null;
}

// deploy/nginx.conf with its placeholders filled (deploy/README.md lists them). As root the workers
// run as root too: the temp folders a test creates are 0700 and `nobody` could not read them.
export function renderNginxConf({ listen, hiltd, viewsLog, assetsDir, runtimeDir, user }) {
  const values = {
    '@USER@': user ?? (process.getuid?.() === 0 ? 'root' : userInfo().username),
    '@LISTEN@': listen,
    '@HILTD@': hiltd,
    '@VIEWS_LOG@': viewsLog,
    '@ASSETS_DIR@': assetsDir,
    '@RUNTIME_DIR@': runtimeDir,
  };
  let text = readFileSync(nginxConfPath, 'utf8');
  for (const [placeholder, value] of Object.entries(values)) text = text.split(placeholder).join(value);
  const left = text.match(/@[A-Z_]+@/);
  if (left) throw new Error(`deploy/nginx.conf has a placeholder this helper does not fill: ${left[0]}`);
  return text;
}

// The view log a test's nginx writes in `dir` (deploy/nginx.conf @VIEWS_LOG@): give it to hiltd's
// --view-report-log before nginx starts (hiltd waits for the file; nginx creates it).
export function viewsLogPath(dir) {
  return join(dir, 'run', 'views.log');
}

// Starts nginx in front of `hiltdBase` (http://127.0.0.1:PORT) in `dir`, logging payload views to
// viewsLogPath(dir), which hiltd follows; returns { base, viewsLog, stop(), log() }.
export async function startNginx({ dir, hiltdBase, assetsDir }) {
  const binary = findNginx();
  if (!binary) {
    throw new Error('nginx is not installed (looked at $HILT_NGINX, PATH and /usr/sbin/nginx): ' +
                    'run scripts/setup, which installs Debian\'s nginx');
  }
  const runtimeDir = join(dir, 'run');
  mkdirSync(runtimeDir, { recursive: true });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, renderNginxConf({
    listen: `127.0.0.1:${port}`,
    hiltd: new URL(hiltdBase).host,
    viewsLog: viewsLogPath(dir),
    assetsDir,
    runtimeDir,
  }));
  const errorLog = join(runtimeDir, 'error.log');
  let output = '';
  const child = spawn(binary, ['-p', dir, '-c', conf, '-e', errorLog, '-g', 'daemon off;'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const log = () => {
    let text = output;
    try {
      text += readFileSync(errorLog, 'utf8');
    } catch {
      // no error log yet
    }
    return text;
  };
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM'); // fast shutdown: the master ends its workers and removes its pid file
    await exited;
  };

  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited early (${binary}):\n${log()}`);
    try {
      const res = await fetch(`${base}/v1/health`);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`nginx did not answer /v1/health through ${base}:\n${log()}`);
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 25))]);
  }
  return { base, binary, viewsLog: viewsLogPath(dir), stop, log };
}
