import { randomBytes } from 'node:crypto';
import { CLAIM_RUN, type ClaimedRun } from '@finetrack/shared';
import { addMember, aTeam, anExperiment, aUser, runIds } from '../factories/builders.js';
import { ApiClient, type Loose } from '../factories/client.js';
import { aWorkerToken, CAPABILITIES } from '../factories/worker.js';
import { aWsClient } from '../factories/ws.js';

/** Everyone the authorisation matrix asks: four roles in team A, and five who are not in it. */
export const PRINCIPALS = [
  'anonymous',
  'viewer',
  'member',
  'admin',
  'owner',
  'outsider',
  'worker',
  'revoked',
] as const;
export type Principal = (typeof PRINCIPALS)[number];

export const unique = () => randomBytes(4).toString('hex');

/** A copy of a client that shares its credentials but not its cookie jar. */
export function copyOf(client: ApiClient): ApiClient {
  const copy = new ApiClient(client.baseUrl);
  copy.cookie = client.cookie;
  copy.token = client.token;
  return copy;
}

export interface Fixtures {
  url: string;
  clients: Record<Principal, ApiClient>;
  /** Email and password of the users among the principals (for logIn cells). */
  accounts: Partial<Record<Principal, { email: string; password: string }>>;
  teamId: string;
  projectId: string;
  datasetId: string;
  modelId: string;
  experimentId: string;
  /** An external (running) run members may log to. */
  runId: string;
  /** A run the worker token holds (claimed in setup). */
  held: ClaimedRun;
  owner: ApiClient;
}

/**
 * Team A with an owner, an admin, a member and a viewer, a project, dataset, source model,
 * experiment (queued runs), an external run and a run held by A's worker token; a user who owns
 * team B only; a revoked user token of A's owner; and nobody.
 */
export async function buildFixtures(url: string): Promise<Fixtures> {
  const owner = await aUser(url);
  const team = await aTeam(owner.client, { name: 'team A' });
  const accounts: Fixtures['accounts'] = {
    owner: { email: owner.user.email, password: owner.password },
  };
  const roleClients: Partial<Record<Principal, ApiClient>> = {};
  for (const role of ['admin', 'member', 'viewer'] as const) {
    const user = await aUser(url);
    await addMember(owner.client, team.id, user, role.toUpperCase());
    roleClients[role] = user.client;
    accounts[role] = { email: user.user.email, password: user.password };
  }
  const outsider = await aUser(url);
  await aTeam(outsider.client, { name: 'team B' });
  accounts.outsider = { email: outsider.user.email, password: outsider.password };

  const made = await anExperiment(owner.client, team.id);
  const external = await owner.client.gql(
    `mutation($id: ID!) { createRun(input: { experimentId: $id, frozenLayers: 0, learningRate: 0.01 }) { id } }`,
    { id: made.experiment.id },
  );
  const workerToken = await aWorkerToken(owner.client, team.id);
  const worker = new ApiClient(url).withToken(workerToken);
  const held = await claimWith(worker);
  if (!held) throw new Error('the fixture experiment queued no run for the worker');

  const revoked = await owner.client.gql(
    `mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token apiToken { id } } }`,
    { input: { name: 'revoked', teamId: team.id } },
  );
  await owner.client.gql(`mutation($id: ID!) { revokeApiToken(id: $id) { id } }`, {
    id: revoked.createApiToken.apiToken.id,
  });

  await runIds(owner.client, made.experiment.id);
  return {
    url,
    clients: {
      anonymous: new ApiClient(url),
      viewer: roleClients.viewer!,
      member: roleClients.member!,
      admin: roleClients.admin!,
      owner: owner.client,
      outsider: outsider.client,
      worker,
      revoked: new ApiClient(url).withToken(revoked.createApiToken.token as string),
    },
    accounts,
    teamId: team.id,
    projectId: made.project.id,
    datasetId: made.dataset.id,
    modelId: made.model.id,
    experimentId: made.experiment.id,
    runId: external.createRun.id as string,
    held,
    owner: owner.client,
  };
}

/** The next queued run of the worker token's team, or null. */
export async function claimWith(worker: ApiClient): Promise<ClaimedRun | null> {
  const data = await worker.gql(CLAIM_RUN, {
    input: { workerId: `matrix:${unique()}`, capabilities: CAPABILITIES },
  });
  return data.claimRun as ClaimedRun | null;
}

/**
 * What one subscription attempt came to: `ok` once an event arrives (`trigger` is repeated until
 * one does: the subscription starts a moment after the call), the error code when it is refused,
 * FORBIDDEN / UNAUTHENTICATED when the socket itself is closed with 4403 / 4401.
 */
export async function subscriptionOutcome(
  url: string,
  client: ApiClient,
  query: string,
  variables: Loose,
  trigger: () => Promise<unknown>,
): Promise<string> {
  const ws = aWsClient(url, { cookie: client.cookie, token: client.token });
  let outcome: string | undefined;
  const codeOf = (errors: unknown): string => {
    if (Array.isArray(errors))
      return String((errors[0] as Loose)?.extensions?.code ?? 'error without a code');
    const close = errors as { code?: number };
    if (close?.code === 4403) return 'FORBIDDEN';
    if (close?.code === 4401) return 'UNAUTHENTICATED';
    return `closed ${String(close?.code)}`;
  };
  try {
    ws.subscribe(
      { query, variables },
      {
        next: (value) => {
          outcome ??= value.errors ? codeOf(value.errors) : 'ok';
        },
        error: (error) => {
          outcome ??= codeOf(error);
        },
        complete: () => {
          outcome ??= 'completed without an event';
        },
      },
    );
    const deadline = Date.now() + 20_000;
    while (outcome === undefined && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 150));
      if (outcome === undefined) await trigger();
    }
    return outcome ?? 'no event and no error within 20 s';
  } finally {
    await ws.dispose();
  }
}
