import { CLAIM_RUN, type ClaimedRun } from '@finetrack/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aTeam, anExperiment, aUser, runIds } from './factories/builders.js';
import type { ApiClient } from './factories/client.js';
import { aWorkerToken, CAPABILITIES, workerClient } from './factories/worker.js';
import { startTestServer, type TestServer } from './harness.js';

const QUEUE_STATE = `query($id: ID!) { run(id: $id) { status queueState { position reason message } } }`;
const LISTED = `query($id: ID!) { experiment(id: $id) { runs(first: 100) { nodes {
  id queueState { position reason } } } } }`;

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.stop();
});

interface State {
  position: number | null;
  reason: string;
  message: string;
}

async function stateOf(client: ApiClient, runId: string): Promise<State | null> {
  return (await client.gql(QUEUE_STATE, { id: runId })).run.queueState as State | null;
}

/** A worker registers by claiming (waitSeconds 0); it takes a run if one of its kinds is queued. */
async function claimAs(token: string, workerId: string, kinds = CAPABILITIES.kinds) {
  const data = await workerClient(t.url, token).request(CLAIM_RUN, {
    input: { workerId, capabilities: { ...CAPABILITIES, kinds }, waitSeconds: 0 },
  });
  return data.claimRun as ClaimedRun | null;
}

async function aTeamWithToken() {
  const { client: owner } = await aUser(t.url);
  const team = await aTeam(owner);
  return { owner, team, token: await aWorkerToken(owner, team.id) };
}

async function threeQueuedRuns(owner: ApiClient, teamId: string) {
  const made = await anExperiment(owner, teamId, {
    frozenLayers: [1],
    learningRates: [0.01],
    seeds: [1, 2, 3],
    includeScratchBaseline: false,
  });
  return { experimentId: made.experiment.id, runIds: await runIds(owner, made.experiment.id) };
}

describe('Run.queueState', () => {
  it('says no worker is connected while none serving the team is online', async () => {
    const { owner, team } = await aTeamWithToken();
    const { runIds: ids } = await threeQueuedRuns(owner, team.id);
    const state = await stateOf(owner, ids[0]);
    expect(state).toMatchObject({ reason: 'NO_WORKER_CONNECTED' });
    expect(state!.message).toMatch(/no worker can take this run/);
  });

  it('says no worker can take a fine-tuning run when the online ones only pretrain', async () => {
    const { owner, team, token } = await aTeamWithToken();
    const { runIds: ids } = await threeQueuedRuns(owner, team.id);
    expect(await claimAs(token, 'pretrainer:1:x', ['PRETRAIN'])).toBeNull();
    const state = await stateOf(owner, ids[0]);
    expect(state).toMatchObject({ reason: 'NO_CAPABLE_WORKER' });
    expect(state!.message).toMatch(/none online accepts fine-tuning runs/);
    // Once it is offline, no worker is connected at all.
    await t.sql(`UPDATE workers SET last_heartbeat_at = now() - interval '1 hour'`);
    expect(await stateOf(owner, ids[0])).toMatchObject({ reason: 'NO_WORKER_CONNECTED' });
  });

  it('numbers three queued runs 1, 2, 3 in the order workers then claim them', async () => {
    const { owner, team, token } = await aTeamWithToken();
    // Online before anything is queued, so this claim takes nothing.
    expect(await claimAs(token, 'idle:1:x')).toBeNull();
    const { experimentId, runIds: ids } = await threeQueuedRuns(owner, team.id);
    const states = await Promise.all(ids.map((id) => stateOf(owner, id)));
    for (const state of states) expect(state!.reason).toBe('WAITING_FOR_TURN');
    const byPosition = ids
      .map((id, index) => ({ id, position: states[index]!.position! }))
      .sort((a, b) => a.position - b.position);
    expect(byPosition.map((entry) => entry.position)).toEqual([1, 2, 3]);
    expect(states.find((state) => state!.position === 1)!.message).toMatch(/^next/);
    expect(states.find((state) => state!.position === 3)!.message).toBe('2 runs ahead of it');

    // One list of runs asks the queue and the workers once, however many runs it holds.
    const recording = t.recordQueries();
    const listed = (await owner.gql(LISTED, { id: experimentId })).experiment.runs.nodes as {
      id: string;
      queueState: { position: number };
    }[];
    const queries = recording.stop();
    expect(queries.filter((sql) => sql.includes('pgboss.job'))).toHaveLength(1);
    expect(queries.filter((sql) => sql.includes('FROM workers'))).toHaveLength(1);
    expect(listed.map((run) => run.queueState.position).sort()).toEqual([1, 2, 3]);

    const first = await claimAs(token, 'worker:1:x');
    expect(first!.runId).toBe(byPosition[0].id);
    expect(await stateOf(owner, first!.runId)).toBeNull(); // running: not queued any more
    expect((await stateOf(owner, byPosition[1].id))!.position).toBe(1);
    expect((await claimAs(token, 'worker:2:x'))!.runId).toBe(byPosition[1].id);
    expect((await claimAs(token, 'worker:3:x'))!.runId).toBe(byPosition[2].id);
  });

  it('is NOT_FOUND for another team', async () => {
    const { owner, team } = await aTeamWithToken();
    const { runIds: ids } = await threeQueuedRuns(owner, team.id);
    const stranger = await aUser(t.url);
    expect(await stranger.client.code(QUEUE_STATE, { id: ids[0] })).toBe('NOT_FOUND');
  });
});
