import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { fileURLToPath } from 'node:url';
import { aTeam, anExperiment, aUser } from '../factories/builders.js';
import type { ApiClient } from '../factories/client.js';
import type { TestServer } from '../harness.js';

/** The `finetrack` bin shim of @finetrack/shared (its dist is built before the API's tests). */
export const FINETRACK_BIN = fileURLToPath(
  new URL('../../../../packages/shared/bin/finetrack.js', import.meta.url),
);
export const REPOSITORY_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

export const CREATE_TOKEN = `mutation($input: CreateApiTokenInput!) {
  createApiToken(input: $input) { token apiToken { id } }
}`;

/** A user with a team, an experiment (2 depths × 2 rates × 2 seeds + 2 scratch) and a token. */
export async function aScriptUser(server: TestServer) {
  const { client, user } = await aUser(server.url);
  const team = await aTeam(client);
  const made = await anExperiment(client, team.id);
  const created = await client.gql(CREATE_TOKEN, { input: { name: 'script' } });
  return {
    client,
    user,
    team,
    ...made,
    token: created.createApiToken.token as string,
    tokenId: created.createApiToken.apiToken.id as string,
  };
}

export async function revokeToken(client: ApiClient, id: string): Promise<void> {
  await client.gql(`mutation($id: ID!) { revokeApiToken(id: $id) { id revokedAt } }`, { id });
}

export interface ProcessResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program to its end and returns its exit code and output; never rejects on exit code. */
export function runProcess(
  file: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string; timeoutMs?: number } = {},
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      {
        env: options.env,
        cwd: options.cwd,
        timeout: options.timeoutMs ?? 60_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = (error as { code?: unknown } | null)?.code;
        if (error && typeof code !== 'number') reject(error);
        else resolve({ code: typeof code === 'number' ? code : 0, stdout, stderr });
      },
    );
    child.stdin?.end(options.input ?? '');
  });
}

/** An environment without the caller's FINETRACK_* variables, plus `extra`. */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env))
    if (!name.startsWith('FINETRACK_')) env[name] = value;
  return { ...env, ...extra };
}

/**
 * The usual setting of a `finetrack` test file: a real API, a script user with an API token, a
 * scratch folder and an environment naming both (no stored login). Registers its own
 * beforeAll/afterAll; read the fields inside tests.
 */
export function aCliSession(name: string, startServer: () => Promise<TestServer>) {
  const session = {
    t: undefined as unknown as TestServer,
    folder: '',
    user: undefined as unknown as Awaited<ReturnType<typeof aScriptUser>>,
    env: {} as NodeJS.ProcessEnv,
    /** Runs `finetrack ARGS` in the folder with the session's environment. */
    finetrack: (args: string[]) =>
      runProcess(process.execPath, [FINETRACK_BIN, ...args], {
        env: session.env,
        cwd: session.folder,
      }),
  };
  beforeAll(async () => {
    session.t = await startServer();
    session.folder = await mkdtemp(join(tmpdir(), `finetrack-${name}-`));
    session.user = await aScriptUser(session.t);
    session.env = cleanEnv({
      FINETRACK_CONFIG_DIR: join(session.folder, 'config'),
      FINETRACK_API: session.t.url,
      FINETRACK_TOKEN: session.user.token,
    });
  });
  afterAll(async () => {
    await session.t?.stop();
    if (session.folder) await rm(session.folder, { recursive: true, force: true });
  });
  return session;
}
