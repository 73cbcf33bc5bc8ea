import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anExperiment, aTeam, aUser, LOG_METRICS } from '../factories/builders.js';
import type { ApiClient } from '../factories/client.js';
import { startTestServer, type TestServer } from '../harness.js';

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ teamMaxConcurrentWrites: 1, teamMaxQueuedWrites: 1 });
});
afterAll(async () => {
  await t?.stop();
});

/** A team of its own with one external run to log to. */
async function aTeamsRun(): Promise<{ client: ApiClient; runId: string }> {
  const { client } = await aUser(t.url);
  const team = await aTeam(client);
  const made = await anExperiment(client, team.id);
  const data = await client.gql(
    `mutation($input: CreateRunInput!) { createRun(input: $input) { id } }`,
    { input: { experimentId: made.experiment.id, frozenLayers: 1, learningRate: 0.01, seed: 1 } },
  );
  return { client, runId: data.createRun.id as string };
}

const batch = (offset: number) =>
  Array.from({ length: 10_000 }, (_, i) => ({
    key: `k${i % 10}`,
    step: Math.floor(i / 10),
    value: offset + i,
  }));

describe('one team’s write burst', () => {
  it('is bounded per team: past its queue it answers RATE_LIMITED, another team writes meanwhile', async () => {
    const a = await aTeamsRun();
    const b = await aTeamsRun();
    // Eight overwriting batches of 10,000 points at once from team A, one from team B.
    const burst = Array.from({ length: 8 }, (_, i) =>
      a.client.request(LOG_METRICS, { runId: a.runId, points: batch(i) }),
    );
    const other = b.client.request(LOG_METRICS, { runId: b.runId, points: batch(0) });
    const answers = await Promise.all(burst);
    expect((await other).errors).toBeUndefined();
    const limited = answers.filter(
      (answer) => answer.errors?.[0]?.extensions?.code === 'RATE_LIMITED',
    );
    const written = answers.filter((answer) => !answer.errors);
    expect(limited.length).toBeGreaterThan(0);
    expect(written.length).toBeGreaterThan(0);
    expect(limited.length + written.length).toBe(8);
    expect(limited[0].errors?.[0]?.extensions?.retryAfterSeconds).toBe(1);
    // Nothing half-written: every point of the run holds one of the accepted batches' values.
    const [{ points }] = await t.sql<{ points: number }>(
      'SELECT count(*)::int AS points FROM metric_points WHERE run_id = $1',
      [a.runId],
    );
    expect(points).toBe(10_000);
  });
});
