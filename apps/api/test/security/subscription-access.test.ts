import { LOG_METRICS, METRICS_APPENDED, RUN_UPDATED } from '@finetrack/shared';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, aUser } from '../factories/builders.js';
import type { ApiClient, Loose } from '../factories/client.js';
import { aQueuedExperiment, claim } from '../factories/worker.js';
import { aWsClient } from '../factories/ws.js';
import { startTestServer, type TestServer } from '../harness.js';

let t: TestServer;
const clients: Client[] = [];

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  for (const client of clients) await client.dispose();
  await t?.stop();
});

/** A graphql-ws client that records every event, error and close of one subscription. */
function watch(credentials: { token?: string; cookie?: string }, experimentId: string) {
  const seen = { events: [] as Loose[], errors: [] as string[], closes: [] as number[] };
  const client = aWsClient(t.url, credentials, {
    closed: (event) => seen.closes.push((event as { code: number }).code),
  });
  clients.push(client);
  const subscribe = () =>
    client.subscribe(
      { query: String(RUN_UPDATED), variables: { experimentId } },
      {
        next: (value) => {
          if (value.errors)
            seen.errors.push(String(value.errors[0]?.extensions?.code ?? value.errors[0]?.message));
          else seen.events.push(value.data as Loose);
        },
        error: (error) => {
          const close = error as { code?: number };
          seen.errors.push(
            typeof close.code === 'number'
              ? `closed ${close.code}`
              : String((error as Loose)[0]?.extensions?.code ?? error),
          );
        },
        complete: () => undefined,
      },
    );
  return { seen, subscribe };
}

async function until(ready: () => boolean, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const cancel = (owner: ApiClient, runId: string) =>
  owner.gql(`mutation($id: ID!) { cancelRun(id: $id) { id } }`, { id: runId });

/** A second member watching the owner's experiment, with two runs to change. */
async function aWatchedExperiment() {
  const setup = await aQueuedExperiment(t.url, { learningRates: [0.01, 0.001] });
  const member = await aUser(t.url);
  await addMember(setup.owner, setup.team.id, member, 'VIEWER');
  return { ...setup, member };
}

describe('subscriptions are authorised again', () => {
  it('stop delivering once the member is removed from the team', async () => {
    const setup = await aWatchedExperiment();
    const watcher = watch({ cookie: setup.member.client.cookie }, setup.experiment.id);
    watcher.subscribe();
    await new Promise((resolve) => setTimeout(resolve, 400));
    await cancel(setup.owner, setup.runIds[0]);
    await until(() => watcher.seen.events.length > 0);
    await setup.owner.gql(
      `mutation($teamId: ID!, $userId: ID!) { removeTeamMember(teamId: $teamId, userId: $userId) }`,
      { teamId: setup.team.id, userId: setup.member.user.id },
    );
    await cancel(setup.owner, setup.runIds[1]);
    await until(() => watcher.seen.errors.length > 0);
    expect(watcher.seen.events).toHaveLength(1);
    expect(['NOT_FOUND', 'FORBIDDEN']).toContain(watcher.seen.errors[0]);
  });

  it('stop delivering once the member leaves the team', async () => {
    const setup = await aWatchedExperiment();
    const watcher = watch({ cookie: setup.member.client.cookie }, setup.experiment.id);
    watcher.subscribe();
    await new Promise((resolve) => setTimeout(resolve, 400));
    await cancel(setup.owner, setup.runIds[0]);
    await until(() => watcher.seen.events.length > 0);
    await setup.member.client.gql(`mutation($id: ID!) { leaveTeam(teamId: $id) }`, {
      id: setup.team.id,
    });
    await cancel(setup.owner, setup.runIds[1]);
    await until(() => watcher.seen.errors.length > 0);
    expect(watcher.seen.events).toHaveLength(1);
    expect(['NOT_FOUND', 'FORBIDDEN']).toContain(watcher.seen.errors[0]);
  });

  it.each([
    [
      'a token that is revoked',
      async (setup: Awaited<ReturnType<typeof aWatchedExperiment>>) => {
        const made = await setup.member.client.gql(
          `mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token apiToken { id } } }`,
          { input: { name: 'watch', teamId: setup.team.id } },
        );
        return {
          credentials: { token: made.createApiToken.token as string },
          end: () =>
            setup.member.client.gql(`mutation($id: ID!) { revokeApiToken(id: $id) { id } }`, {
              id: made.createApiToken.apiToken.id,
            }),
        };
      },
    ],
    [
      'a session that logs out',
      async (setup: Awaited<ReturnType<typeof aWatchedExperiment>>) => {
        const cookie = setup.member.client.cookie;
        return {
          credentials: { cookie },
          end: () => setup.member.client.gql(`mutation { logOut }`),
        };
      },
    ],
  ])(
    'close the socket opened with %s, and accept no new subscription on it',
    async (_name, make) => {
      const setup = await aWatchedExperiment();
      const { credentials, end } = await make(setup);
      const watcher = watch(credentials, setup.experiment.id);
      watcher.subscribe();
      await new Promise((resolve) => setTimeout(resolve, 400));
      await cancel(setup.owner, setup.runIds[0]);
      await until(() => watcher.seen.events.length > 0);
      await end();
      await until(() => watcher.seen.closes.length > 0);
      expect(watcher.seen.closes[0]).toBe(4401);
      await cancel(setup.owner, setup.runIds[1]);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(watcher.seen.events).toHaveLength(1);
      // A new socket with the same credential is refused too.
      const again = watch(credentials, setup.experiment.id);
      again.subscribe();
      await until(() => again.seen.errors.length > 0);
      expect(again.seen.events).toEqual([]);
    },
  );
});

describe('metricsAppended never drops an event', () => {
  it('announces a batch whose keys overflow one NOTIFY payload in several events', async () => {
    const setup = await aQueuedExperiment(t.url);
    const run = await claim(setup.worker);
    const received: { keys: string[]; count: number; maxStep: number }[] = [];
    const client = aWsClient(t.url, { token: await aUserToken(setup.owner) });
    clients.push(client);
    client.subscribe(
      { query: String(METRICS_APPENDED), variables: { runId: run!.runId } },
      {
        next: (value) => received.push((value.data as Loose).metricsAppended),
        error: () => undefined,
        complete: () => undefined,
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 400));
    // 100 keys of 200 characters: about 20 KB of keys, over NOTIFY's 8,000-byte payload.
    const keys = Array.from(
      { length: 100 },
      (_, i) => `k${String(i).padStart(3, '0')}${'x'.repeat(196)}`,
    );
    await setup.worker.request(LOG_METRICS, {
      runId: run!.runId,
      leaseToken: run!.leaseToken,
      points: keys.map((key, step) => ({ key, step, value: 0.5 })),
    });
    await until(() => received.flatMap((event) => event.keys).length >= keys.length);
    expect(received.length).toBeGreaterThan(1);
    expect(received.flatMap((event) => event.keys).sort()).toEqual(keys);
    expect(received.reduce((sum, event) => sum + event.count, 0)).toBe(100);
    expect(Math.max(...received.map((event) => event.maxStep))).toBe(99);
  });
});

async function aUserToken(owner: ApiClient): Promise<string> {
  const made = await owner.gql(
    `mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token } }`,
    { input: { name: 'metrics watcher' } },
  );
  return made.createApiToken.token as string;
}
