import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Loose } from '../factories/client.js';
import { aCompletion, aQueuedExperiment, claim, failure } from '../factories/worker.js';
import { startTestServer, type TestServer } from '../harness.js';

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.stop();
});

/** A JS value as a GraphQL literal (upper-case strings as enum values, `raw` numbers as written). */
function literal(value: unknown): string {
  if (value instanceof RawNumber) return value.text;
  if (Array.isArray(value)) return `[${value.map(literal).join(', ')}]`;
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'object')
    return `{ ${Object.entries(value as Loose)
      .map(([key, item]) => `${key}: ${literal(item)}`)
      .join(', ')} }`;
  if (typeof value === 'string' && /^[A-Z][A-Z_]+$/.test(value)) return value;
  return JSON.stringify(value);
}
class RawNumber {
  constructor(readonly text: string) {}
}

describe('numbers written as literals', () => {
  it('completeRun refuses a surgery learning rate of 1e999 (Infinity) and stores nothing', async () => {
    const setup = await aQueuedExperiment(t.url);
    const run = (await claim(setup.worker))!;
    const input = aCompletion(run);
    input.model.surgery.learningRate = new RawNumber('1e999');
    const answer = await failure(
      setup.worker.request(`mutation { completeRun(input: ${literal(input)}) { run { id } } }`),
    );
    expect(answer).toMatchObject({ code: 'BAD_USER_INPUT' });
    const [{ status }] = await t.sql<{ status: string }>('SELECT status FROM runs WHERE id = $1', [
      run.runId,
    ]);
    expect(status).toBe('running');
    const [{ models }] = await t.sql<{ models: number }>(
      `SELECT count(*)::int AS models FROM models WHERE kind = 'target' AND team_id = $1`,
      [setup.team.id],
    );
    expect(models).toBe(0);
    // The same completion with a finite rate is accepted (the literal form itself is fine).
    input.model.surgery.learningRate = new RawNumber('0.001');
    await setup.worker.request(`mutation { completeRun(input: ${literal(input)}) { run { id } } }`);
    const [after] = await t.sql<{ status: string }>('SELECT status FROM runs WHERE id = $1', [
      run.runId,
    ]);
    expect(after.status).toBe('succeeded');
  });

  it.each(['1e999', '-1e999'])('createExperiment refuses a learning rate of %s', async (rate) => {
    const setup = await aQueuedExperiment(t.url);
    const code = await setup.owner.code(
      `mutation { createExperiment(input: { projectId: "${setup.project.id}", name: "inf",
        sourceModelId: "${setup.model.id}", targetDatasetId: "${setup.dataset.id}",
        sweep: { frozenLayers: [1], learningRates: [${rate}], seeds: [1] } }) { id } }`,
    );
    expect(code).toBe('BAD_USER_INPUT');
  });
});
