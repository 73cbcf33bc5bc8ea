import { rm } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client';
import { imageArchive, imageFolder } from '../support/image-archive';
import { launchChromium, screenshot } from '../support/browser';
import { PlayedWorker } from '../support/play-worker';
import { startStack, type Stack } from '../support/stack';

// A new team's own data, by hand in the browser: a built-in dataset from the form, a source model
// pretrained from the web and followed live on its run page. Screenshots feed the README's
// "Your own data" walkthrough (own-data-*.png).

const PASSWORD = 'correct horse battery';
const EMAIL = `newcomer-${Date.now()}@example.test`;

let stack: Stack;
let browser: Browser;
let page: Page;
const browserErrors: string[] = [];
const state: { teamId?: string; runId?: string; modelId?: string } = {};

/** Set before an action and read after it: still there, so the page did not reload. */
const markPage = () => page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
const stillSamePage = () =>
  page.evaluate(() => (window as unknown as { marker?: number }).marker === 42);

beforeAll(async () => {
  stack = await startStack();
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  page = await context.newPage();
  page.on('pageerror', (error) => browserErrors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !/status of 40[01]/.test(message.text()))
      browserErrors.push(`console: ${message.text()}`);
  });
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('a new team’s own data in the browser', () => {
  it('signs up and creates a team', async () => {
    await page.goto(`${stack.webUrl}/signup`);
    await page.fill('input[name="name"]', 'Nora Newcomer');
    await page.fill('input[name="email"]', EMAIL);
    await page.fill('input[name="password"]', PASSWORD);
    await page.click('button[type="submit"]');
    await page.waitForURL(/\/projects$/);
    await page.getByLabel('Team name').fill('Chairs lab');
    await page.getByRole('button', { name: 'Create team' }).click();
    await page.getByRole('heading', { name: 'Projects of Chairs lab' }).waitFor();
  });

  it('opens an empty Datasets page with the upload and built-in forms', async () => {
    await page.locator('nav').getByRole('link', { name: 'Datasets', exact: true }).click();
    await page.getByRole('heading', { name: 'Datasets' }).waitFor();
    await page.getByText('No datasets in this team yet').waitFor();
    const upload = page.getByTestId('dataset-upload');
    await expect(upload.locator('input[name="name"]').count()).resolves.toBe(1);
    await expect(upload.locator('input[type="file"]').getAttribute('accept')).resolves.toBe(
      '.zip,.tar,.tar.gz,.tgz',
    );
    await screenshot(page, 'own-data-01-datasets');
  });

  it('creates a built-in Fashion-MNIST subset that joins the list without a reload', async () => {
    await markPage();
    const form = page.getByTestId('built-in-dataset');
    await form.locator('select[name="kind"]').selectOption('fashion-mnist');
    // Keep T-shirt/top, Trouser and Pullover: untick Dress and Coat (ticked by default).
    await form.getByLabel('3 — Dress').uncheck();
    await form.getByLabel('4 — Coat').uncheck();
    await form.locator('input[name="trainSamples"]').fill('600');
    await form.locator('input[name="validationSamples"]').fill('150');
    await form.locator('input[name="seed"]').fill('3');
    await expect(page.getByTestId('built-in-counts').textContent()).resolves.toBe(
      '600 training and 150 validation images',
    );
    await screenshot(page, 'own-data-02-built-in-dataset');
    await form.getByRole('button', { name: 'Create dataset' }).click();
    const row = page
      .getByTestId('dataset-row')
      .filter({ hasText: 'Fashion-MNIST T-shirt/top, Trouser, Pullover' });
    await row.waitFor();
    await expect(row.textContent()).resolves.toContain('fashion-mnist');
    expect(await stillSamePage()).toBe(true);
  });

  it('refuses an empty class choice in the form, before anything is sent', async () => {
    const form = page.getByTestId('built-in-dataset');
    for (const label of ['0 — T-shirt/top', '1 — Trouser', '2 — Pullover'])
      await form.getByLabel(label).uncheck();
    await form.getByText('choose at least two classes').waitFor();
    await expect(form.getByRole('button', { name: 'Create dataset' }).isDisabled()).resolves.toBe(
      true,
    );
    await expect(page.getByTestId('dataset-row').count()).resolves.toBe(1);
  });

  it('uploads a generated image archive that joins the list and shows its classes', async () => {
    await page.locator('nav').getByRole('link', { name: 'Datasets', exact: true }).click();
    const form = page.getByTestId('dataset-upload');
    await form.waitFor();
    await markPage();
    await form.locator('input[name="name"]').fill('shapes');
    await form.locator('input[type="file"]').setInputFiles({
      name: 'shapes.zip',
      mimeType: 'application/zip',
      buffer: await imageArchive({ red: 6, blue: 5 }),
    });
    await form.locator('input[name="validationFraction"]').fill('0.4');
    await screenshot(page, 'own-data-03-upload');
    await form.getByRole('button', { name: 'Upload' }).click();
    const row = page.getByTestId('dataset-row').filter({ hasText: 'shapes' });
    await row.waitFor({ timeout: 60_000 });
    expect(await stillSamePage()).toBe(true);
    await row.getByRole('link', { name: 'shapes' }).click();
    await page.getByRole('heading', { name: /shapes/ }).waitFor();
    const bars = page.getByTestId('class-bar');
    await expect(
      bars.evaluateAll((all) => all.map((bar) => bar.getAttribute('data-class'))),
    ).resolves.toEqual(['blue', 'red']);
    await expect(bars.first().locator('title').textContent()).resolves.toBe(
      'blue: 3 train, 2 validation',
    );
    const thumbnails = page.getByTestId('thumbnail-class');
    await expect(thumbnails.count()).resolves.toBe(2);
    await expect(thumbnails.nth(1).locator('img').count()).resolves.toBe(4);
    // The thumbnails load through the web app's /dataset-files proxy.
    await page.waitForFunction(() =>
      [...document.querySelectorAll('[data-testid="thumbnails"] img')].every(
        (image) =>
          (image as HTMLImageElement).complete && (image as HTMLImageElement).naturalWidth > 0,
      ),
    );
    const versions = page.getByTestId('dataset-version');
    await expect(versions.count()).resolves.toBe(1);
    await expect(versions.first().locator('td').first().textContent()).resolves.toBe('v1');
    // No experiment has used it yet: the per-version experiments cell answers with a dash.
    await versions.first().locator('td').last().filter({ hasText: /^—$/ }).waitFor();
    await screenshot(page, 'own-data-07-dataset-page');
  });

  it('packs a picked folder in the browser and uploads it as the next version', async () => {
    const folder = await imageFolder({ blue: 4, green: 4, red: 4 });
    try {
      await page.locator('nav').getByRole('link', { name: 'Datasets', exact: true }).click();
      const form = page.getByTestId('dataset-upload');
      await form.getByRole('radio', { name: /A folder/ }).check();
      await form.locator('input[name="folder"]').setInputFiles(folder);
      await form.getByText('12 files').waitFor();
      await form.locator('input[name="name"]').fill('shapes');
      await form.getByRole('button', { name: 'Upload' }).click();
      const row = page.getByTestId('dataset-row').filter({ hasText: 'blue, green, red' });
      await row.waitFor({ timeout: 60_000 });
      await expect(row.textContent()).resolves.toContain('v2');
      await row.getByRole('link', { name: 'shapes' }).click();
      await page.getByRole('heading', { name: /shapes v2/ }).waitFor();
      await expect(
        page
          .getByTestId('class-bar')
          .evaluateAll((all) => all.map((bar) => bar.getAttribute('data-class'))),
      ).resolves.toEqual(['blue', 'green', 'red']);
      const versions = page.getByTestId('dataset-version');
      await expect(versions.locator('td:first-child').allTextContents()).resolves.toEqual([
        'v2',
        'v1',
      ]);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('shows the API’s refusal of an archive with one class', async () => {
    await page.locator('nav').getByRole('link', { name: 'Datasets', exact: true }).click();
    const form = page.getByTestId('dataset-upload');
    await form.getByRole('radio', { name: /An archive/ }).check();
    await form.locator('input[name="name"]').fill('only red');
    await form.locator('input[type="file"]').setInputFiles({
      name: 'red.zip',
      mimeType: 'application/zip',
      buffer: await imageArchive({ red: 3 }),
    });
    await form.getByRole('button', { name: 'Upload' }).click();
    await expect(form.getByRole('alert').textContent({ timeout: 60_000 })).resolves.toContain(
      'only one class folder (red)',
    );
    await expect(
      page.getByTestId('dataset-row').filter({ hasText: 'only red' }).count(),
    ).resolves.toBe(0);
  });

  it('pretrains a source model from the web and follows the run live', async () => {
    await page.locator('nav').getByRole('link', { name: 'Models', exact: true }).click();
    await page.getByRole('link', { name: 'Pretrain a source model' }).click();
    const form = page.getByTestId('pretrain');
    await form.waitFor();
    await form.locator('select[name="architecture"]').selectOption('small-cnn');
    await form.locator('input[name="epochs"]').fill('2');
    await form.locator('input[name="learningRate"]').fill('0.002');
    await form.locator('input[name="batchSize"]').fill('32');
    await form.locator('input[name="seed"]').fill('5');
    await screenshot(page, 'own-data-04-pretrain-form');
    await form.getByRole('button', { name: 'Start pretraining' }).click();
    await page.waitForURL(/\/runs\/[0-9a-f-]+$/);
    state.runId = page.url().split('/').at(-1);
    await page.getByRole('heading', { name: /Pretraining run/ }).waitFor();
    await page.locator('.badge', { hasText: 'queued' }).waitFor();
    const facts = page.getByTestId('run-hyperparameters');
    await expect(facts.textContent()).resolves.toContain('0.002');
    await markPage();

    // A worker of the team takes the run; the page follows without a reload.
    const owner = new ApiClient(stack.apiUrl);
    await owner.logIn(EMAIL, PASSWORD);
    const teams = await owner.gql<{ me: { teams: { id: string }[] } }>('{ me { teams { id } } }');
    state.teamId = teams.me.teams[0].id;
    const token = await owner.gql<{ createApiToken: { token: string } }>(
      'mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token } }',
      { input: { name: 'e2e worker', teamId: state.teamId, role: 'WORKER' } },
    );
    const worker = new PlayedWorker(stack.apiUrl, token.createApiToken.token);
    const run = await worker.claim();
    expect(run).toMatchObject({ runId: state.runId, kind: 'PRETRAIN', architecture: 'small-cnn' });
    expect(run.hyperparameters).toMatchObject({
      epochs: 2,
      learningRate: 0.002,
      batchSize: 32,
      seed: 5,
    });
    await page.locator('.badge', { hasText: 'running' }).waitFor({ timeout: 15_000 });
    // Its epochs' metrics draw the curves as they arrive.
    await worker.logEpoch(run, 1, 0.62, 0.9);
    await worker.logEpoch(run, 2, 0.81, 0.5);
    await page.getByTestId('run-accuracy').waitFor({ timeout: 15_000 });
    await page.getByTestId('run-loss').waitFor();
    await screenshot(page, 'own-data-05-pretrain-run');
    state.modelId = await worker.completePretraining(run);
    await page.locator('.badge', { hasText: 'succeeded' }).waitFor({ timeout: 15_000 });
    expect(await stillSamePage()).toBe(true);
  });

  it('lists the pretrained model in the catalogue', async () => {
    await page.getByRole('link', { name: 'the source model this run pretrains' }).click();
    await page.waitForURL(new RegExp(`/models/${state.modelId}$`));
    await page
      .getByRole('heading', { name: 'small-cnn on Fashion-MNIST T-shirt/top, Trouser, Pullover' })
      .waitFor();
    await page.locator('nav').getByRole('link', { name: 'Models', exact: true }).click();
    await page
      .getByRole('link', { name: 'small-cnn on Fashion-MNIST T-shirt/top, Trouser, Pullover' })
      .waitFor();
    await screenshot(page, 'own-data-06-models');
  });

  it('logged no browser errors', () => {
    expect(browserErrors).toEqual([]);
  });
});
