import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inTransaction } from '../src/modules/queue/run-queue.js';
import { aDataset, aTeam, aUser } from './factories/builders.js';
import { aWorkerToken, claim, workerClient } from './factories/worker.js';
import { startTestServer, type TestServer } from './harness.js';

// pg-boss takes jobs by priority, created_on and id. Jobs sent in one transaction share its
// created_on, so their ids alone decide; random ids made a worker take them in a random order
// (the demo's digits pretraining, queued first, was sometimes taken after the garments one).

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.stop();
});

describe('the queue order', () => {
  it('is the order runs were queued in, also for runs queued one by one in one transaction', async () => {
    const { client: owner } = await aUser(t.url);
    const team = await aTeam(owner);
    const dataset = await aDataset(owner, team.id);
    const queued = await inTransaction(t.server.dataSource, async (tx) => {
      const ids: string[] = [];
      for (let index = 0; index < 8; index++) {
        const made = await t.server.services.pretraining.create(tx, {
          teamId: team.id,
          name: `source ${index}`,
          architecture: 'small-cnn',
          inputShape: [28, 28, 1],
          datasetId: dataset.id,
          epochs: 1,
          batchSize: 64,
          learningRate: 1e-3,
          optimizer: 'adam',
          seed: 1,
        });
        ids.push(made.run.id);
      }
      return ids;
    });
    const worker = workerClient(t.url, await aWorkerToken(owner, team.id));
    const taken: string[] = [];
    for (let index = 0; index < queued.length; index++) taken.push((await claim(worker))!.runId);
    expect(taken).toEqual(queued);
  });
});
