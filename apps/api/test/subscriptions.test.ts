import {
  HEARTBEAT_RUN,
  LOG_METRICS,
  METRICS_APPENDED,
  RUN_UPDATED,
  type ClaimedRun,
  type GraphQLDocument,
} from '@finetrack/shared';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Loose } from './factories/client.js';
import { aQueuedExperiment, claim } from './factories/worker.js';
import { aWsClient, type SocketCredentials } from './factories/ws.js';
import { startTestServer, type TestServer } from './harness.js';

let t: TestServer;
const clients: Client[] = [];

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  for (const client of clients) await client.dispose();
  await t?.stop();
});

function wsClient(options: SocketCredentials): Client {
  const client = aWsClient(t.url, options);
  clients.push(client);
  return client;
}

/** Collects what a subscription sends; `errors` gets a failed subscription's errors. */
function collect(client: Client, document: GraphQLDocument, variables: Record<string, unknown>) {
  const events: Loose[] = [];
  const state: { errors?: unknown } = {};
  client.subscribe(
    { query: String(document), variables },
    {
      next: (value) => {
        if (value.errors) state.errors = value.errors;
        else events.push(value.data as Loose);
      },
      // A refused socket ends with a close event (code and reason), not GraphQL errors.
      error: (error) => {
        const closed = error as { code?: number; reason?: string };
        state.errors =
          typeof closed.code === 'number' ? { code: closed.code, reason: closed.reason } : error;
      },
      complete: () => undefined,
    },
  );
  return { events, state };
}

/** Repeats `poke` until `ready` holds (a subscription may start a moment after the call). */
async function until(ready: () => boolean, poke: () => Promise<unknown>, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error('no event arrived');
    await poke();
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

describe('subscriptions over graphql-ws', () => {
  it('deliver runUpdated and metricsAppended with a token in connectionParams', async () => {
    const setup = await aQueuedExperiment(t.url);
    const token = (
      await setup.owner.gql(
        `mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token } }`,
        { input: { name: 'watcher', teamId: setup.team.id } },
      )
    ).createApiToken.token as string;
    const client = wsClient({ token });
    const runs = collect(client, RUN_UPDATED, { experimentId: setup.experiment.id });
    const metrics = collect(client, METRICS_APPENDED, { runId: setup.runIds[0] });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const run = (await claim(setup.worker)) as ClaimedRun;
    const heartbeat = () =>
      setup.worker.request(HEARTBEAT_RUN, {
        input: { runId: run.runId, leaseToken: run.leaseToken },
      });
    await until(
      () => runs.events.some((event) => event.runUpdated.status === 'RUNNING'),
      heartbeat,
    );
    expect(runs.events.at(-1)!.runUpdated).toMatchObject({
      id: run.runId,
      status: 'RUNNING',
      attempts: 1,
    });
    const log = () =>
      setup.worker.request(LOG_METRICS, {
        runId: run.runId,
        leaseToken: run.leaseToken,
        points: [
          { key: 'loss', step: 3, value: 0.5 },
          { key: 'val_accuracy', step: 7, value: 0.8 },
        ],
      });
    await until(() => metrics.events.length > 0, log);
    expect(metrics.events[0].metricsAppended).toEqual({
      runId: run.runId,
      keys: ['loss', 'val_accuracy'],
      count: 2,
      maxStep: 7,
    });
    expect(runs.state.errors).toBeUndefined();
  });

  it('authenticate with the session cookie of the upgrade request and scope to the team', async () => {
    const setup = await aQueuedExperiment(t.url);
    const other = await aQueuedExperiment(t.url);
    const client = wsClient({ cookie: setup.owner.cookie });
    const mine = collect(client, RUN_UPDATED, { experimentId: setup.experiment.id });
    const theirs = collect(client, RUN_UPDATED, { experimentId: other.experiment.id });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await setup.owner.gql(`mutation($id: ID!) { cancelRun(id: $id) { id } }`, {
      id: setup.runIds[0],
    });
    await until(
      () => mine.events.length > 0,
      async () => undefined,
    );
    expect(mine.events[0].runUpdated.status).toBe('CANCELLED');
    await until(
      () => theirs.state.errors !== undefined,
      async () => undefined,
    );
    expect(JSON.stringify(theirs.state.errors)).toContain('NOT_FOUND');
    expect(theirs.events).toEqual([]);

    const anonymous = wsClient({});
    const denied = collect(anonymous, RUN_UPDATED, { experimentId: setup.experiment.id });
    await until(
      () => denied.state.errors !== undefined,
      async () => undefined,
    );
    expect(JSON.stringify(denied.state.errors)).toContain('UNAUTHENTICATED');
  });

  it.each([
    ['a configured web origin', 'http://localhost:3000', 'CANCELLED'],
    ['another site', 'https://evil.example', 'UNAUTHENTICATED'],
  ])(
    'honours the session cookie from %s only when the origin is allowed',
    async (_name, origin, outcome) => {
      const setup = await aQueuedExperiment(t.url);
      const client = wsClient({ cookie: setup.owner.cookie, origin });
      const events = collect(client, RUN_UPDATED, { experimentId: setup.experiment.id });
      await new Promise((resolve) => setTimeout(resolve, 300));
      await setup.owner.gql(`mutation($id: ID!) { cancelRun(id: $id) { id } }`, {
        id: setup.runIds[0],
      });
      await until(
        () => events.events.length > 0 || events.state.errors !== undefined,
        async () => undefined,
      );
      if (outcome === 'CANCELLED') expect(events.events[0].runUpdated.status).toBe('CANCELLED');
      else {
        expect(JSON.stringify(events.state.errors)).toContain('UNAUTHENTICATED');
        expect(events.events).toEqual([]);
      }
    },
  );
});
