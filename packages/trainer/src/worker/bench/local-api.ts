import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
/** `apps/api/dist/index.js` through the workspace package (a dev dependency: turbo builds it first). */
export function apiEntry(): string {
  return join(dirname(require.resolve('@finetrack/api/package.json')), 'dist', 'index.js');
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
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
export class UserSession {
  cookie = '';
  constructor(
    readonly url: string,
    public token?: string,
  ) {}

  async raw(query: string, variables: Record<string, unknown> = {}) {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    else if (this.cookie) headers.cookie = this.cookie;
    const response = await fetch(`${this.url}/graphql`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query, variables }),
    });
    const setCookie = response.headers.get('set-cookie');
    if (setCookie) this.cookie = setCookie.split(';')[0];
    return (await response.json()) as {
      data?: Record<string, unknown> | null;
      errors?: { message: string; extensions?: { code?: string } }[];
    };
  }

  /** Data of a query that must succeed. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test documents pick their own shapes
  async gql<T = any>(query: string, variables: Record<string, unknown> = {}) {
    const result = await this.raw(query, variables);
    if (result.errors?.length)
      throw new Error(`${result.errors[0].extensions?.code}: ${result.errors[0].message}`);
    return result.data as T;
  }
}
