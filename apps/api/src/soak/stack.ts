import { fork, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startEmbeddedPostgres, type RunningPostgres } from '../db/embedded-postgres.js';

// What the soak and the fault drills share: a PostgreSQL (embedded, or DATABASE_URL) with a fresh
// database, the API as a child process, a keep-alive HTTP client with timings, and the fixtures.

export interface Stack {
  /** The fresh database the API uses. */
  databaseUrl: string;
  /** The embedded cluster when DATABASE_URL is unset (restartable). */
  embedded: RunningPostgres | undefined;
  /** A scratch folder for artifacts and logs; removed by close(). */
  home: string;
  /** Direct SQL against the fresh database (to count what is stored). */
  sql: pg.Pool;
  close(): Promise<void>;
}

const quiet = { info: () => undefined, debug: () => undefined };

export async function startStack(name: string): Promise<Stack> {
  const home = await mkdtemp(path.join(tmpdir(), `finetrack-${name}-`));
  await chmod(home, 0o755); // the postgres user must reach its data folder
  let embedded: RunningPostgres | undefined;
  let clusterUrl = process.env.DATABASE_URL;
  if (!clusterUrl) {
    // Persistent so that a drill can restart it; the whole home is removed at the end anyway.
    embedded = await startEmbeddedPostgres(path.join(home, 'pg'), quiet, { persistent: true });
    clusterUrl = embedded.url;
  }
  const database = `finetrack_${name.replace(/\W/g, '_')}_${process.pid}`;
  const admin = new pg.Client({ connectionString: clusterUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const url = new URL(clusterUrl);
  url.pathname = `/${database}`;
  const databaseUrl = url.toString();
  const sql = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  // While a drill restarts PostgreSQL, idle connections of this pool are cut: not a crash.
  sql.on('error', () => undefined);
  return {
    databaseUrl,
    embedded,
    home,
    sql,
    async close() {
      await sql.end().catch(() => undefined);
      const cleanup = new pg.Client({ connectionString: clusterUrl });
      await cleanup.connect().catch(() => undefined);
      await cleanup
        .query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
        .catch(() => undefined);
      await cleanup.end().catch(() => undefined);
      await embedded?.stop().catch(() => undefined);
      await rm(home, { recursive: true, force: true });
    },
  };
}

export interface ApiProcess {
  url: string;
  child: ChildProcess;
  /** Lines the API wrote to stderr (warnings, errors, a crash). */
  stderr: string[];
  /** Graceful stop (SIGTERM-like, via IPC). */
  stop(): Promise<void>;
  /** kill -9; resolves once the process is gone. */
  kill(): Promise<void>;
  /** Resolves with the exit code when the process ends by itself. */
  exited: Promise<number | null>;
}

/** Starts the API (soak-server.js) as a child process against `databaseUrl`. */
export async function startApi(
  databaseUrl: string,
  env: Record<string, string> = {},
): Promise<ApiProcess> {
  const child = fork(fileURLToPath(new URL('./soak-server.js', import.meta.url)), {
    env: { ...process.env, PORT: '0', ...env, SOAK_DATABASE_URL: databaseUrl },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    execArgv: process.env.SOAK_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [],
  });
  const stderr: string[] = [];
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (text: string) => stderr.push(...text.split('\n').filter(Boolean)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (message) => resolve((message as { url: string }).url));
    void exited.then((code) =>
      reject(new Error(`the API exited with ${code} while starting: ${stderr.join('\n')}`)),
    );
  });
  return {
    url,
    child,
    stderr,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.send('stop');
      await exited;
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}

export const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

export interface HttpAnswer {
  status: number;
  text: string;
  ms: number;
}

/** One HTTP request on the shared keep-alive agent; rejects only when no answer came. */
export function request(
  url: string,
  options: { method?: string; body?: string | Buffer; headers?: Record<string, string> } = {},
  timeoutMs = 30_000,
): Promise<HttpAnswer> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const body = options.body ?? '';
    const req = http.request(
      url,
      {
        method: options.method ?? 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          ...options.headers,
        },
        timeout: timeoutMs,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            text: Buffer.concat(chunks).toString('utf8'),
            ms: performance.now() - started,
          }),
        );
        response.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

export interface GraphQLAnswer<T> {
  status: number;
  data?: T;
  /** The first error's extensions.code, when the answer has errors. */
  code?: string;
  message?: string;
  ms: number;
}

export async function graphql<T>(
  url: string,
  query: string,
  variables: unknown,
  headers: Record<string, string> = {},
  timeoutMs?: number,
): Promise<GraphQLAnswer<T>> {
  const answer = await request(
    `${url}/graphql`,
    { body: JSON.stringify({ query, variables }), headers },
    timeoutMs,
  );
  let parsed: { data?: T; errors?: { message?: string; extensions?: { code?: string } }[] };
  try {
    parsed = JSON.parse(answer.text) as typeof parsed;
  } catch {
    return {
      status: answer.status,
      code: 'NOT_JSON',
      message: answer.text.slice(0, 200),
      ms: answer.ms,
    };
  }
  const first = parsed.errors?.[0];
  return {
    status: answer.status,
    data: parsed.data ?? undefined,
    code: first ? (first.extensions?.code ?? 'NO_CODE') : undefined,
    message: first?.message,
    ms: answer.ms,
  };
}

/** The data of an answer that must succeed (fixtures). */
export async function must<T>(answer: Promise<GraphQLAnswer<T>>): Promise<T> {
  const got = await answer;
  if (got.code || !got.data) throw new Error(`${got.code}: ${got.message}`);
  return got.data;
}

/** Logs in over plain HTTP and returns the session cookie (`name=value`), '' when refused. */
export function logInCookie(url: string, email: string, password: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const body = JSON.stringify({
      query: 'mutation($i: LogInInput!) { logIn(input: $i) { id } }',
      variables: { i: { email, password } },
    });
    const req = http.request(
      `${url}/graphql`,
      { method: 'POST', headers: { 'content-type': 'application/json' } },
      (response) => {
        response.resume();
        response.on('end', () =>
          resolve((response.headers['set-cookie'] ?? [])[0]?.split(';')[0] ?? ''),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export interface Fixtures {
  token: string;
  auth: Record<string, string>;
  teamId: string;
  projectId: string;
  experimentId: string;
  /** The experiment's fine-tuning runs, oldest first. */
  runIds: string[];
}

/**
 * A user with an API token, a team, a project, a dataset, a source model and an experiment whose
 * sweep makes `frozen × learningRates` runs (plus a scratch baseline per learning rate, unless
 * `includeScratchBaseline` is false).
 */
export async function seed(
  url: string,
  frozen = 4,
  learningRates = 5,
  { includeScratchBaseline = true, user = 'soak' } = {},
): Promise<Fixtures> {
  const email = `${user}-${process.pid}@example.test`;
  const password = 'soak test password';
  await must(
    graphql(url, 'mutation($i: SignUpInput!) { signUp(input: $i) { id } }', {
      i: { email, password, name: 'Soak' },
    }),
  );
  // Log in once for the session cookie, to mint a token that the clients then use.
  const setCookie = await logInCookie(url, email, password);
  const token = (
    await must(
      graphql<{ createApiToken: { token: string } }>(
        url,
        'mutation { createApiToken(input: { name: "soak" }) { token } }',
        {},
        { cookie: setCookie },
      ),
    )
  ).createApiToken.token;
  const auth = { authorization: `Bearer ${token}` };
  const teamId = (
    await must(
      graphql<{ createTeam: { id: string } }>(
        url,
        'mutation { createTeam(input: { name: "soak" }) { id } }',
        {},
        auth,
      ),
    )
  ).createTeam.id;
  const projectId = (
    await must(
      graphql<{ createProject: { id: string } }>(
        url,
        'mutation($t: ID!) { createProject(input: { teamId: $t, name: "soak" }) { id } }',
        { t: teamId },
        auth,
      ),
    )
  ).createProject.id;
  const datasetId = (
    await must(
      graphql<{ createDataset: { id: string } }>(
        url,
        'mutation($t: ID!) { createDataset(input: { teamId: $t, name: "digits 5-9", classNames: ["5","6","7","8","9"], trainSamples: 1000, validationSamples: 200, spec: { kind: "mnist", classes: [5,6,7,8,9] } }) { id } }',
        { t: teamId },
        auth,
      ),
    )
  ).createDataset.id;
  const modelId = (
    await must(
      graphql<{ createModel: { id: string } }>(
        url,
        'mutation($t: ID!) { createModel(input: { teamId: $t, name: "small-cnn 0-4", kind: SOURCE, architecture: "small-cnn", inputShape: [28, 28, 1], layers: [], totalParams: 1, trainableParams: 1 }) { id } }',
        { t: teamId },
        auth,
      ),
    )
  ).createModel.id;
  const experimentId = (
    await must(
      graphql<{ createExperiment: { id: string } }>(
        url,
        'mutation($i: CreateExperimentInput!) { createExperiment(input: $i) { id } }',
        {
          i: {
            projectId,
            sourceModelId: modelId,
            targetDatasetId: datasetId,
            sweep: {
              frozenLayers: [...Array(frozen).keys()],
              learningRates: [...Array(learningRates).keys()].map((i) => 10 ** -(1 + i / 2)),
              includeScratchBaseline,
            },
          },
        },
        auth,
      ),
    )
  ).createExperiment.id;
  const runs = await must(
    graphql<{ experiment: { runs: { nodes: { id: string; initialization: string }[] } } }>(
      url,
      'query($id: ID!) { experiment(id: $id) { runs(first: 500, orderBy: { field: CREATED_AT, direction: ASC }) { nodes { id initialization } } } }',
      { id: experimentId },
      auth,
    ),
  );
  return {
    token,
    auth,
    teamId,
    projectId,
    experimentId,
    runIds: runs.experiment.runs.nodes.map((run) => run.id),
  };
}

/** Percentile of sorted numbers (nearest rank). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Where reports go: apps/api/bench-results (gitignored), next to the benchmark's. */
export async function writeResult(name: string, result: unknown, markdown?: string) {
  const outDir = fileURLToPath(new URL('../../bench-results/', import.meta.url));
  await mkdir(outDir, { recursive: true });
  const file = path.join(outDir, `${name}.json`);
  await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
  if (markdown) await writeFile(path.join(outDir, `${name}.md`), markdown);
  return file;
}

export function machine() {
  return {
    node: process.version,
    cores: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    loadAverage: os.loadavg().map((load) => Number(load.toFixed(2))),
    at: new Date().toISOString(),
  };
}
