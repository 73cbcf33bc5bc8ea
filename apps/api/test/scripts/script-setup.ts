import { execFile } from 'node:child_process';
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
