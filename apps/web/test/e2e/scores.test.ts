import {
  CLAIM_SCORE_JOB,
  COMPLETE_SCORE_JOB,
  WORKER_PROTOCOL_VERSION,
  type ClaimScoreJobMutation,
} from '@finetrack/shared';
import { ApiClient as WorkerClient } from '@finetrack/shared/client';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client';
import { launchChromium, screenshot } from '../support/browser';
import { SOURCE_LAYERS, seedCatalogue, seedExperiment } from '../support/seed';
import { startStack, type Stack } from '../support/stack';

// "Which source model?": a member queues scoring from the new-experiment page, a worker (played
// here through the real worker protocol) reports LogME, LEEP and NCE, and the page ranks the
// candidates; the experiment page then sets its own source's score beside the suggestion.

const PASSWORD = 'correct horse battery';
const EMAIL = `scores-${Date.now()}@example.test`;

let stack: Stack;
let browser: Browser;
let page: Page;
const browserErrors: string[] = [];
const state: { teamId?: string; projectId?: string; workerToken?: string } = {};
let catalogue: Awaited<ReturnType<typeof seedCatalogue>>;
let garmentsModelId: string;

beforeAll(async () => {
  stack = await startStack();
  const client = new ApiClient(stack.apiUrl);
  await client.signUp(EMAIL, PASSWORD, 'Sam Scorer');
  state.teamId = (
    await client.gql<{ createTeam: { id: string } }>(
      'mutation { createTeam(input: { name: "Scoring team" }) { id } }',
    )
  ).createTeam.id;
  state.projectId = (
    await client.gql<{ createProject: { id: string } }>(
      'mutation($teamId: ID!) { createProject(input: { teamId: $teamId, name: "Which source" }) { id } }',
      { teamId: state.teamId },
    )
  ).createProject.id;
  catalogue = await seedCatalogue(client, state.teamId);
  garmentsModelId = (
    await client.gql<{ createModel: { id: string } }>(
      'mutation($input: CreateModelInput!) { createModel(input: $input) { id } }',
      {
        input: {
          teamId: state.teamId,
          name: 'small-cnn on garments',
          kind: 'SOURCE',
          architecture: 'small-cnn',
          inputShape: [28, 28, 1],
          totalParams: 56714,
          trainableParams: 56714,
          layers: SOURCE_LAYERS,
        },
      },
    )
  ).createModel.id;
  state.workerToken = (
    await client.gql<{ createApiToken: { token: string } }>(
      'mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token } }',
      { input: { name: 'scoring worker', role: 'WORKER', teamId: state.teamId } },
    )
  ).createApiToken.token;
  await seedExperiment(client, {
    projectId: state.projectId,
    sourceModelId: catalogue.sourceModelId,
    datasetId: catalogue.datasetId,
    name: 'Digits from digits',
    frozenLayers: [1],
    learningRates: [0.001],
    seeds: [0],
    includeScratchBaseline: false,
    epochs: 2,
    steps: 2,
  });

  browser = await launchChromium();
  page = await (await browser.newContext({ viewport: { width: 1400, height: 1000 } })).newPage();
  page.on('pageerror', (error) => browserErrors.push(`pageerror: ${error.message}`));
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** Claims every queued scoring job and reports `logMe[model id]` for each. */
async function scoreAsWorker(logMe: Record<string, number>): Promise<string[]> {
  const worker = new WorkerClient({
    url: stack.apiUrl,
    token: state.workerToken!,
    retry: { maxAttempts: 1 },
  });
  const scored: string[] = [];
  for (;;) {
    const { claimScoreJob }: ClaimScoreJobMutation = await worker.request(CLAIM_SCORE_JOB, {
      input: {
        workerId: 'e2e-scorer',
        capabilities: {
          protocolVersion: WORKER_PROTOCOL_VERSION,
          backends: ['wasm'],
          device: 'cpu: e2e',
          kinds: ['FINETUNE'],
          hostname: 'e2e-host',
          scoreJobs: true,
        },
      },
    });
    if (!claimScoreJob) return scored;
    const modelId = claimScoreJob.sourceModel.id;
    await worker.request(COMPLETE_SCORE_JOB, {
      input: {
        scoreId: claimScoreJob.scoreId,
        leaseToken: claimScoreJob.leaseToken,
        logMe: logMe[modelId],
        leep: -1.2,
        nce: -1.1,
        featureDimension: 128,
        samples: 500,
        seconds: 0.8,
      },
    });
    scored.push(modelId);
  }
}

describe('scoring source models in a browser', () => {
  it('queues scoring from the new-experiment page and ranks the models as a worker reports', async () => {
    await page.goto(`${stack.webUrl}/login`);
    await page.fill('input[name="email"]', EMAIL);
    await page.fill('input[name="password"]', PASSWORD);
    await page.click('button[type="submit"]');
    await page.waitForURL(/\/projects$/);

    await page.goto(`${stack.webUrl}/projects/${state.projectId}/experiments/new`);
    await page.getByLabel('Target dataset').selectOption({ label: 'MNIST digits 5–9 (5 classes)' });
    const panel = page.getByRole('region', { name: 'Which source model?' });
    await panel.getByText('No source model has been scored for this dataset yet.').waitFor();
    await panel.getByRole('button', { name: 'Score source models' }).click();
    const suggestion = page.getByTestId('logme-suggestion');
    await expect
      .poll(() => suggestion.textContent(), { timeout: 15_000 })
      .toBe('Waiting for a worker to score them…');

    // The garments source scores higher: the page, polling, names it without a reload.
    const scored = await scoreAsWorker({
      [catalogue.sourceModelId]: -0.62,
      [garmentsModelId]: -0.31,
    });
    expect(scored.sort()).toEqual([catalogue.sourceModelId, garmentsModelId].sort());
    await expect
      .poll(() => suggestion.textContent(), { timeout: 15_000 })
      .toBe('LogME suggests: small-cnn on garments');
    const rows = panel.getByRole('row');
    // Header, then the models best first.
    await expect(rows.nth(1).textContent()).resolves.toContain('small-cnn on garments');
    await expect(rows.nth(2).textContent()).resolves.toContain('small-cnn on digits 0–4');
    await screenshot(page, 'scores-new-experiment');
  });

  it('sets the experiment’s own source beside LogME’s suggestion on the experiment page', async () => {
    await page.goto(`${stack.webUrl}/projects/${state.projectId}`);
    await page.getByRole('link', { name: 'Digits from digits' }).click();
    await page.waitForURL(/\/experiments\//);
    const own = page.getByTestId('own-score');
    await expect
      .poll(() => own.textContent(), { timeout: 15_000 })
      .toBe("This experiment's source model: LogME -0.6200; LogME suggests small-cnn on garments.");
    await page.getByTestId('logme-agreement').waitFor();
    await screenshot(page, 'scores-experiment');
    expect(browserErrors).toEqual([]);
  });
});
