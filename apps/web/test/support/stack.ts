import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@finetrack/shared/testing';

const web = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const root = path.resolve(web, '../..');

export interface Stack {
  apiUrl: string;
  webUrl: string;
  stop(): Promise<void>;
}

async function waitFor(url: string, child: ChildProcess, output: () => string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`${url}: process exited (${child.exitCode})\n${output()}`);
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms\n${output()}`);
}

function start(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv) {
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { child, output: () => log };
}

async function stopChild(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/**
 * A real API (with its embedded PostgreSQL in a temporary FINETRACK_HOME, or DATABASE_URL when
 * set) and the production Next server (`next start`, from `next build` output) on free ports.
 */
export async function startStack(): Promise<Stack> {
  const home = await mkdtemp(path.join(tmpdir(), 'finetrack-web-e2e-'));
  await chmod(home, 0o755); // the embedded cluster runs as the postgres user when we are root
  const [apiPort, webPort] = [await freePort(), await freePort()];
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const webUrl = `http://127.0.0.1:${webPort}`;
  const api = start('node', [path.join(root, 'apps/api/dist/index.js')], root, {
    PORT: String(apiPort),
    HOST: '127.0.0.1',
    FINETRACK_HOME: home,
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    WEB_ORIGIN: webUrl,
  });
  const next = start(
    'node',
    [
      path.join(root, 'node_modules/next/dist/bin/next'),
      'start',
      '-p',
      String(webPort),
      '-H',
      '127.0.0.1',
    ],
    web,
    { API_URL: apiUrl, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1' },
  );
  const stop = async () => {
    await Promise.all([stopChild(next.child), stopChild(api.child)]);
    await rm(home, { recursive: true, force: true });
  };
  try {
    await Promise.all([
      waitFor(`${apiUrl}/healthz`, api.child, api.output, 60_000),
      waitFor(`${webUrl}/login`, next.child, next.output, 60_000),
    ]);
  } catch (error) {
    await stop();
    throw error;
  }
  return { apiUrl, webUrl, stop };
}
