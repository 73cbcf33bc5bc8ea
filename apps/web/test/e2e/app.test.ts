import { readFile } from 'node:fs/promises';
import { unzipSync } from 'fflate';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client';
import { launchChromium, screenshot, SCREENSHOTS } from '../support/browser';
import { layersModelFolder } from '../support/model-folder';
import { seedCatalogue, seedExperiment } from '../support/seed';
import { startStack, type Stack } from '../support/stack';

const PASSWORD = 'correct horse battery';
const OWNER = `owner-${Date.now()}@example.test`;
const VIEWER = `viewer-${Date.now()}@example.test`;

let stack: Stack;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const state: { teamId?: string; projectId?: string; experimentId?: string; failedRunId?: string } =
  {};
const browserErrors: string[] = [];

function watch(target: Page) {
  target.on('pageerror', (error) => browserErrors.push(`pageerror: ${error.message}`));
  target.on('console', (message) => {
    // A 401-style GraphQL answer is expected on the log-in page; anything else is a bug.
    if (message.type() === 'error' && !/status of 40[01]/.test(message.text()))
      browserErrors.push(`console: ${message.text()}`);
  });
}

beforeAll(async () => {
  stack = await startStack();
  browser = await launchChromium();
  context = await browser.newContext({
    acceptDownloads: true,
    viewport: { width: 1400, height: 1000 },
  });
  page = await context.newPage();
  watch(page);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  console.log(`\nScreenshots: ${SCREENSHOTS}`);
});

describe('Finetrack in a browser', () => {
  it('sends anonymous visitors to the log-in page with a return URL', async () => {
    await page.goto(`${stack.webUrl}/projects`);
    await page.waitForURL(/\/login\?returnTo=%2Fprojects/);
    // The form renders once the page has hydrated (it reads the query string), not with the URL.
    await page.locator('input[name="email"]').waitFor({ timeout: 15_000 });
    await expect(page.locator('input[name="email"]').count()).resolves.toBe(1);
    await screenshot(page, '01-login');
  });

  it('sends / to log-in on the server, before any page renders', async () => {
    const response = await fetch(`${stack.webUrl}/`, { redirect: 'manual' });
    expect(response.status).toBe(307);
    expect(new URL(response.headers.get('location')!, stack.webUrl).pathname).toBe('/login');
  });

  it('answers with secure headers', async () => {
    const response = await fetch(`${stack.webUrl}/login`);
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(response.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
  });

  it('signs up, creates a team and a project', async () => {
    await page.goto(`${stack.webUrl}/signup`);
    await page.fill('input[name="name"]', 'Ada Owner');
    await page.fill('input[name="email"]', OWNER);
    await page.fill('input[name="password"]', PASSWORD);
    await screenshot(page, '02-signup');
    await page.click('button[type="submit"]');
    await page.waitForURL(/\/projects$/);
    await page.getByLabel('Team name').fill('Vision team');
    await page.getByRole('button', { name: 'Create team' }).click();
    await page.getByRole('heading', { name: 'Projects of Vision team' }).waitFor();
    await page.getByLabel('Project name').fill('Digits transfer');
    await page.getByLabel('Description').fill('MNIST 0–4 → 5–9');
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.getByRole('link', { name: 'Digits transfer' }).waitFor();
    await screenshot(page, '03-projects');
    // Signed in, / goes straight to the projects (decided on the server from the session).
    const session = (await page.context().cookies()).find((c) => c.name === 'finetrack_session');
    const home = await fetch(`${stack.webUrl}/`, {
      redirect: 'manual',
      headers: { cookie: `finetrack_session=${session!.value}` },
    });
    expect(new URL(home.headers.get('location')!, stack.webUrl).pathname).toBe('/projects');
  });

  it('shows the seeded catalogue: datasets, lineage and a model with frozen layers', async () => {
    const client = new ApiClient(stack.apiUrl);
    await client.logIn(OWNER, PASSWORD);
    const me = await client.gql<{ me: { teams: { id: string }[] } }>('{ me { teams { id } } }');
    state.teamId = me.me.teams[0].id;
    const projects = await client.gql<{ projects: { nodes: { id: string }[] } }>(
      'query($teamId: ID!) { projects(teamId: $teamId) { nodes { id } } }',
      { teamId: state.teamId },
    );
    state.projectId = projects.projects.nodes[0].id;
    const catalogue = await seedCatalogue(client, state.teamId);
    const seeded = await seedExperiment(client, {
      projectId: state.projectId,
      sourceModelId: catalogue.sourceModelId,
      datasetId: catalogue.datasetId,
      name: 'Freeze depth × LR',
      frozenLayers: [0, 1, 2],
      learningRates: [0.0001, 0.001, 0.01],
      seeds: [0, 1],
      includeScratchBaseline: true,
      epochs: 10,
      steps: 50,
      withDrift: true,
      failed: 1,
    });
    state.experimentId = seeded.experimentId;
    state.failedRunId = seeded.failedRunIds[0];
    expect(seeded.runs).toHaveLength(3 * 3 * 2 + 2);
    await client.signUp(VIEWER, PASSWORD, 'Vic Viewer');

    await page.goto(`${stack.webUrl}/datasets`);
    await page.getByRole('cell', { name: 'MNIST digits 5–9' }).waitFor();
    await screenshot(page, '04-datasets');
    await page.goto(`${stack.webUrl}/models`);
    await page.getByText('cut at dense1, 2 frozen, LR 0.0001, head 5').waitFor();
    await screenshot(page, '05-models-lineage');
    await page.goto(`${stack.webUrl}/models/${catalogue.targetModelId}`);
    await page.getByRole('table', { name: 'Layers' }).waitFor();
    await expect(page.locator('tr[data-frozen="true"]').count()).resolves.toBe(2);
    await screenshot(page, '06-model');
  });

  it('counts the runs of a new experiment before it is submitted', async () => {
    await page.goto(`${stack.webUrl}/projects/${state.projectId}/experiments/new`);
    const count = page.getByTestId('run-count');
    await count.waitFor();
    await expect(count.textContent()).resolves.toContain('6 runs'); // 1 depth × 1 rate × 3 seeds + 3 scratch
    await page.getByLabel('2 — conv1, conv2').check();
    await page.getByRole('button', { name: 'Add 0.0001' }).waitFor();
    await page.getByLabel('Fine-tuning learning rates (comma-separated)').fill('0.0001, 0.001');
    await expect(count.textContent()).resolves.toContain('15 runs'); // 2 × 2 × 3 + 3 scratch
    await screenshot(page, '07-new-experiment');
  });

  it('opens the experiment: every grid cell and every run, selection in the URL', async () => {
    await page.goto(`${stack.webUrl}/projects/${state.projectId}`);
    await page.getByRole('link', { name: 'Freeze depth × LR' }).click();
    await page.waitForURL(/\/experiments\//);
    const grid = page.getByTestId('run-grid');
    await grid.waitFor();
    const cells = page.getByTestId('grid-cell');
    await expect(cells.count()).resolves.toBe(9);
    for (const text of await cells.allTextContents()) expect(text).toMatch(/\d\.\d+.*vs scratch/);
    await expect(page.getByTestId('grid-scratch').textContent()).resolves.toMatch(/± /);
    await page.getByTestId('run-row').nth(19).waitFor();
    await expect(page.getByTestId('run-row').count()).resolves.toBe(20);
    await page.locator('[data-testid="curves"][data-state="drawn"]').waitFor();
    await page.locator('[data-testid="drift"][data-state="drawn"]').waitFor();
    await screenshot(page, '08-experiment');

    await cells.nth(4).click();
    await page.waitForURL(/cells=1_0\.001/);
    await expect(page.getByTestId('selection-count').textContent()).resolves.toMatch(
      /^2 runs selected/,
    );
    await page.getByLabel('Group by').selectOption('frozenLayers');
    await page.waitForURL(/group=frozenLayers/);
    await page.getByLabel('Grid metric').selectOption('val_loss:BEST');
    await page.waitForURL(/metric=val_loss%3ABEST/);
    await page.locator('[data-testid="grid-cell"]').first().waitFor();
    await screenshot(page, '09-experiment-selected');

    // The link restores the same view.
    const link = page.url();
    await page.goto(link);
    await expect(page.getByLabel('Group by').inputValue()).resolves.toBe('frozenLayers');
    await expect(page.getByTestId('selection-count').textContent()).resolves.toMatch(
      /^2 runs selected/,
    );
  });

  it('filters, sorts, hides identical columns and exports CSV', async () => {
    await page.getByLabel('Filter Frozen layers').fill('>=1');
    await expect(page.getByTestId('run-row').count()).resolves.toBe(12);
    await page.getByLabel('Filter Frozen layers').fill('');
    await page.getByRole('button', { name: 'Best val acc' }).click();
    await page.getByRole('button', { name: /Best val acc/ }).click(); // descending
    await expect(page.locator('th[aria-sort="descending"]').textContent()).resolves.toContain(
      'Best val acc',
    );
    await page.getByLabel('Differences only').click();
    await page.waitForURL(/diff=1/);
    await expect(page.getByRole('button', { name: 'Epochs', exact: true }).count()).resolves.toBe(
      0,
    );
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    const csv = await readFile((await download.path())!, 'utf8');
    const lines = csv.trim().split(/\r\n/);
    expect(lines).toHaveLength(21);
    expect(lines[0]).toContain('frozenLayers');
    expect(lines[0]).not.toContain('epochs');
    expect(download.suggestedFilename()).toBe(`experiment-${state.experimentId}-runs.csv`);
  });

  it('opens a run: hyperparameters, timings, curves and the error of a failed run', async () => {
    await page.getByTestId('run-link').first().click();
    await page.waitForURL(/\/runs\//);
    await page.getByTestId('run-hyperparameters').waitFor();
    await page.locator('[data-testid="run-accuracy"][data-state="drawn"]').waitFor();
    await screenshot(page, '10-run');
    await page.goto(`${stack.webUrl}/runs/${state.failedRunId}`);
    await page.getByText('out of memory while allocating conv2 gradients').waitFor();
    await screenshot(page, '11-run-failed');
    // A member retries the failed run (queued again), then cancels it.
    await page.getByRole('button', { name: 'Retry run' }).click();
    await page.locator('h1 .badge', { hasText: 'queued' }).waitFor();
    await page.getByRole('button', { name: 'Cancel run' }).click();
    await page.locator('h1 .badge', { hasText: 'cancelled' }).waitFor();
    await expect(page.getByRole('button', { name: 'Retry run' }).count()).resolves.toBe(1);
  });

  // After the experiment steps: a newer source model would change the new-experiment form's default.
  it('imports a model folder on the Models page and downloads it as a zip', async () => {
    const folder = layersModelFolder();
    await page.goto(`${stack.webUrl}/models`);
    const form = page.getByTestId('model-import');
    await form.locator('input[name="name"]').fill('Imported dense');
    await form.locator('select[name="preprocessing"]').selectOption('torch');
    await form.locator('input[type="file"]').setInputFiles(folder);
    await form.getByRole('button', { name: 'Import' }).click();
    // The list is fetched again: the model appears without a reload.
    await page.getByRole('link', { name: 'Imported dense' }).click();
    await page.getByRole('cell', { name: 'hidden', exact: true }).waitFor();
    await page.getByText('torch', { exact: true }).waitFor();
    await screenshot(page, '06b-imported-model');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('model-download').click(),
    ]);
    const entries = unzipSync(new Uint8Array(await readFile((await download.path())!)));
    for (const file of folder)
      expect(Buffer.from(entries[`Imported-dense/${file.name}`]!).equals(file.buffer)).toBe(true);
    const metadata = JSON.parse(Buffer.from(entries['Imported-dense/finetrack.json']!).toString());
    expect(metadata).toMatchObject({
      name: 'Imported dense',
      preprocessing: 'torch',
      inputShape: [4],
    });
  });

  it('creates an API token shown once, then revokes it', async () => {
    await page.goto(`${stack.webUrl}/settings/tokens`);
    await page.getByLabel('Token name').fill('laptop script');
    await page.getByRole('button', { name: 'Create token' }).click();
    const secret = await page.getByTestId('token-secret').textContent();
    expect(secret?.length).toBeGreaterThan(20);
    const me = await new ApiClient(stack.apiUrl, secret!).gql<{ me: { email: string } }>(
      '{ me { email } }',
    );
    expect(me.me.email).toBe(OWNER);
    await screenshot(page, '12-token-created');
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Revoke' }).click();
    await page.getByText(/^revoked /).waitFor();
    await expect(new ApiClient(stack.apiUrl, secret!).gql('{ me { email } }')).rejects.toThrow(
      /UNAUTHENTICATED/,
    );
  });

  it('invites a viewer on the members page', async () => {
    await page.goto(`${stack.webUrl}/teams/${state.teamId}/members`);
    await page.getByLabel('Email to invite').fill(VIEWER);
    await page.locator('select[name="role"]').selectOption('VIEWER');
    await page.getByRole('button', { name: 'Send invitation' }).click();
    // Pending until the viewer accepts: listed with a Revoke button, not among the members.
    const pending = page.getByRole('region', { name: 'Pending invitations' });
    await pending.getByRole('cell', { name: VIEWER, exact: true }).waitFor();
    await pending.getByRole('button', { name: 'Revoke' }).waitFor();
    await screenshot(page, '13-members');
  });

  it('logs out', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(/\/login/);
    await page.goto(`${stack.webUrl}/experiments/${state.experimentId}`);
    await page.waitForURL(/\/login\?returnTo=%2Fexperiments%2F/);
  });

  it('shows a viewer no write controls', async () => {
    const viewerContext = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const viewer = await viewerContext.newPage();
    watch(viewer);
    await viewer.goto(
      `${stack.webUrl}/login?returnTo=${encodeURIComponent(`/experiments/${state.experimentId}`)}`,
    );
    await viewer.fill('input[name="email"]', VIEWER);
    await viewer.fill('input[name="password"]', PASSWORD);
    await viewer.click('button[type="submit"]');
    await viewer.waitForURL(/\/experiments\//);
    // Not a member yet: the invitation waits on the teams page.
    await viewer.goto(`${stack.webUrl}/teams`);
    const invitations = viewer.getByRole('region', { name: 'Invitations' });
    await invitations.getByRole('button', { name: 'Accept' }).click();
    await invitations.waitFor({ state: 'detached' });
    await viewer.getByRole('button', { name: 'Leave team' }).first().waitFor();
    await viewer.goto(`${stack.webUrl}/experiments/${state.experimentId}`);
    await viewer.getByTestId('run-grid').waitFor();
    await viewer.getByTestId('run-row').nth(19).waitFor();
    await expect(viewer.getByTestId('run-row').count()).resolves.toBe(20);
    await expect(viewer.getByRole('button', { name: /^(Cancel|Retry)$/ }).count()).resolves.toBe(0);
    await viewer.goto(`${stack.webUrl}/runs/${state.failedRunId}`);
    await viewer.locator('h1 .badge', { hasText: 'cancelled' }).waitFor();
    await viewer.getByTestId('run-hyperparameters').waitFor();
    await expect(viewer.getByRole('button', { name: /run$/ }).count()).resolves.toBe(0);
    await viewer.goto(`${stack.webUrl}/projects/${state.projectId}`);
    await viewer.getByRole('link', { name: 'Freeze depth × LR' }).waitFor();
    await expect(viewer.getByRole('link', { name: 'New experiment' }).count()).resolves.toBe(0);
    await viewer.goto(`${stack.webUrl}/projects`);
    await viewer.getByRole('link', { name: 'Digits transfer' }).waitFor();
    await expect(viewer.getByRole('button', { name: 'Create project' }).count()).resolves.toBe(0);
    await expect(viewer.getByRole('link', { name: 'Members' }).count()).resolves.toBe(0);
    await screenshot(viewer, '14-viewer-projects');
    await viewerContext.close();
  });

  it('logged no browser errors', () => {
    expect(browserErrors).toEqual([]);
  });
});
