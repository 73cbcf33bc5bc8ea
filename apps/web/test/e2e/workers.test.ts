import { CLAIM_RUN, WORKER_PROTOCOL_VERSION } from '@finetrack/shared';
import { ApiClient as WorkerClient } from '@finetrack/shared/client';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshot } from '../support/browser';
import { startStack, type Stack } from '../support/stack';

let stack: Stack;
let browser: Browser;
let page: Page;
const browserErrors: string[] = [];

beforeAll(async () => {
  stack = await startStack();
  browser = await launchChromium();
  page = await (await browser.newContext({ viewport: { width: 1400, height: 1000 } })).newPage();
  page.on('pageerror', (error) => browserErrors.push(`pageerror: ${error.message}`));
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('the workers page', () => {
  it('connects a worker: shows the command with a token that then claims, and lists the worker', async () => {
    await page.goto(`${stack.webUrl}/signup`);
    await page.fill('input[name="name"]', 'Wendy Workers');
    await page.fill('input[name="email"]', `workers-${Date.now()}@example.test`);
    await page.fill('input[name="password"]', 'correct horse battery');
    await page.click('button[type="submit"]');
    await page.waitForURL(/\/projects$/);
    await page.getByLabel('Team name').fill('GPU team');
    await page.getByRole('button', { name: 'Create team' }).click();
    await page.getByRole('heading', { name: 'Projects of GPU team' }).waitFor();

    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Workers' })
      .click();
    await page.waitForURL(/\/workers$/);
    const workers = page.getByTestId('workers');
    await workers.getByText('No worker has connected', { exact: false }).waitFor();
    await workers.getByRole('button', { name: 'Connect a worker' }).click();
    const command = (await page.getByTestId('worker-command-npx').textContent()) ?? '';
    const match = /^npx finetrack-worker --api (\S+) --token (\S+)$/.exec(command);
    expect(match, command).not.toBeNull();
    expect(match![1]).toBe(stack.apiUrl);
    expect(await page.getByTestId('worker-command-docker').textContent()).toContain(
      `FINETRACK_WORKER_TOKEN=${match![2]}`,
    );
    await screenshot(page, 'workers-connect');

    // The token in the command is a worker token of this team: a claim with it registers.
    const worker = new WorkerClient({
      url: match![1],
      token: match![2],
      retry: { maxAttempts: 1 },
    });
    const claimed = await worker.request(CLAIM_RUN, {
      input: {
        workerId: 'e2e-gpu:1:abc',
        capabilities: {
          protocolVersion: WORKER_PROTOCOL_VERSION,
          backends: ['tensorflow-gpu'],
          device: 'NVIDIA test GPU',
          kinds: ['PRETRAIN', 'FINETUNE'],
          hostname: 'e2e-gpu',
          name: 'e2e box',
          concurrency: 2,
          version: '9.9.9',
        },
        waitSeconds: 0,
      },
    });
    expect(claimed.claimRun).toBeNull();
    await page.reload();
    const row = page.getByTestId('worker-row');
    await row.getByText('e2e box').waitFor();
    await expect
      .poll(async () => (await row.locator('td').allTextContents()).slice(1, 7))
      .toEqual([
        'e2e-gpu',
        'tensorflow-gpuNVIDIA test GPU',
        '2',
        '9.9.9',
        expect.stringMatching(/s ago$/),
        'idle',
      ]);
    await row.getByText('online', { exact: true }).waitFor();
    await screenshot(page, 'workers-list');
    expect(browserErrors).toEqual([]);
  });
});
