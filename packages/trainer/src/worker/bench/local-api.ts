import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { freePort } from '@finetrack/shared/testing';

const require = createRequire(import.meta.url);
/** `apps/api/dist/index.js` through the workspace package (a dev dependency: turbo builds it first). */
export function apiEntry(): string {
  return join(dirname(require.resolve('@finetrack/api/package.json')), 'dist', 'index.js');
}

export interface ApiProcess {
  url: string;
  port: number;
  child: ChildProcess;
  output(): string;
  /** SIGTERM (the API stops its embedded PostgreSQL too) and wait for the exit. */
  stop(): Promise<void>;
}

/**
 * The real API as a child process (`node apps/api/dist/index.js`) with its own embedded
 * PostgreSQL under `home`; resolves once /healthz answers. Starting it again with the same home
 * and port is an API restart: the data survives.
 */
export async function startApi(
  home: string,
  options: { port?: number; env?: Record<string, string> } = {},
): Promise<ApiProcess> {
  const port = options.port ?? (await freePort());
  const child = spawn(process.execPath, [apiEntry()], {
    env: {
      ...process.env,
      NODE_ENV: 'development',
      PORT: String(port),
      HOST: '127.0.0.1',
      FINETRACK_HOME: home,
      FINETRACK_DEMO: '0',
      LOG_LEVEL: 'warn',
      DATABASE_URL: '',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the API exited at start-up:\n${text}`);
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the API did not become healthy:\n${text}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    port,
    child,
    output: () => text,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** GraphQL as a user: a session cookie after signUp, or a bearer token. */
export { GraphQLTestClient as UserSession } from '@finetrack/shared/testing';
