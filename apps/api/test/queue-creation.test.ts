import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anExperiment, aTeam, aUser } from './factories/builders.js';
import { startTestServer, type TestServer } from './harness.js';

// A team's queues are made on its first queued run. pg-boss makes a queue as a partition of its
// job table with foreign keys to its queue table, so two teams' first runs at the same moment
// used to deadlock in PostgreSQL, and one of them answered INTERNAL_SERVER_ERROR.

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.stop();
});

describe("teams' first experiments at the same moment", () => {
  it('all succeed, each with its runs queued', async () => {
    const teams = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const { client } = await aUser(t.url);
        return { client, team: await aTeam(client) };
      }),
    );
    const made = await Promise.all(
      teams.map(({ client, team }) => anExperiment(client, team.id, { seeds: [1] })),
    );
    for (const [index, { experiment }] of made.entries()) {
      const rows = await t.sql(`SELECT status FROM runs WHERE experiment_id = $1`, [experiment.id]);
      expect(rows.length, `team ${index}`).toBe(5); // 2 depths × 2 rates + scratch
      expect(rows.every((row) => row.status === 'queued')).toBe(true);
    }
  });
});
