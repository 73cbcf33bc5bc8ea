import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPLETE_RUN, type CompleteRunInput } from '@finetrack/shared';
import { aCompletion, aQueuedExperiment, claim, upload } from './factories/worker.js';
import { startTestServer, type TestServer } from './harness.js';

// A scratch baseline's model is trained from random weights on the target: it is not derived
// from the source model, and its lineage must not say it was cut from it.

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.stop();
});

const MODEL = `query($id: ID!) { model(id: $id) { kind parentModelId surgery { cutLayer } dataset { id } } }`;

describe('the scratch baseline’s model', () => {
  it('is recorded as trained from scratch on the target, not as a child of the source', async () => {
    const setup = await aQueuedExperiment(t.url, {
      frozenLayers: [1],
      includeScratchBaseline: true,
    });
    const models: Record<string, { parentModelId: string | null; surgery: unknown }> = {};
    for (let i = 0; i < 2; i++) {
      const run = (await claim(setup.worker))!;
      const artifact = await upload(
        setup.worker,
        run,
        'model-json',
        'model.json',
        Buffer.from('{}'),
      );
      // The worker describes both the same way; the API records what the run was.
      const done = await setup.worker.request(COMPLETE_RUN, {
        input: aCompletion(run, [artifact.id]) as CompleteRunInput,
      });
      const model = (await setup.owner.gql(MODEL, { id: done.completeRun.model.id })).model;
      models[run.hyperparameters.initialization] = model;
      expect(model.dataset.id).toBe(setup.dataset.id);
    }
    expect(models.PRETRAINED).toMatchObject({ parentModelId: setup.model.id });
    expect(models.PRETRAINED!.surgery).not.toBeNull();
    expect(models.SCRATCH).toMatchObject({ kind: 'TARGET', parentModelId: null, surgery: null });
  });
});
