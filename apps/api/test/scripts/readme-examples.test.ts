import { mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aTeam, anExperiment } from '../factories/builders.js';
import { ApiClient } from '../factories/client.js';
import { startTestServer, type TestServer } from '../harness.js';
import { cleanEnv, FINETRACK_BIN, REPOSITORY_ROOT, runProcess } from './script-setup.js';

/**
 * The code block that follows `<!-- example: NAME -->` in the root README, exactly as written.
 * Reading it here is what keeps the README's examples from drifting from what CI runs.
 */
function example(readme: string, name: string): string {
  const marker = `<!-- example: ${name} -->`;
  const at = readme.indexOf(marker);
  if (at < 0) throw new Error(`README.md has no ${marker}`);
  const fence = /^```[a-z]*\n([\s\S]*?)^```$/m.exec(readme.slice(at + marker.length));
  if (!fence) throw new Error(`no code block after ${marker}`);
  return fence[1];
}

let t: TestServer;
let folder: string;
let readme: string;
/** Set by the curl-token example, used by the others (they run in file order). */
let token: string;
let ids: { team: string; project: string; experiment: string };

beforeAll(async () => {
  t = await startTestServer();
  folder = await mkdtemp(join(tmpdir(), 'finetrack-readme-'));
  readme = await readFile(join(REPOSITORY_ROOT, 'README.md'), 'utf8');
});
afterAll(async () => {
  await t?.stop();
  if (folder) await rm(folder, { recursive: true, force: true });
});

const env = (extra: Record<string, string> = {}) =>
  cleanEnv({
    FINETRACK_API: t.url,
    FINETRACK_TOKEN: token,
    FINETRACK_PROJECT: ids?.project ?? '',
    FINETRACK_EXPERIMENT: ids?.experiment ?? '',
    ...extra,
  });

// --norc: a bash whose stdin is a socket (Node's child pipes are socketpairs) and whose SHLVL is
// unset thinks rshd started it and sources /etc/bash.bashrc, which `set -u` then trips over.
const bash = (script: string, extra: Record<string, string> = {}) =>
  runProcess('bash', ['--norc', '-euo', 'pipefail', '-c', script], {
    env: env(extra),
    cwd: folder,
  });

describe('README examples', () => {
  it('curl-token: signs up and creates a token', async () => {
    const result = await runProcess(
      'bash',
      ['--norc', '-euo', 'pipefail', '-c', example(readme, 'curl-token')],
      { env: cleanEnv({ FINETRACK_API: t.url }), cwd: folder },
    );
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain('{"data":{"signUp":{"id":');
    token = /"token":"(ft_[^"]+)"/.exec(result.stdout)?.[1] ?? '';
    expect(token).not.toBe('');

    // What Ada would have made in the web app: a team with an experiment.
    const ada = new ApiClient(t.url).withToken(token);
    const team = await aTeam(ada);
    const made = await anExperiment(ada, team.id);
    ids = { team: team.id, project: made.project.id, experiment: made.experiment.id };
  });

  it('curl: reads me and the grid with the token', async () => {
    const result = await bash(example(readme, 'curl'));
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain('"email":"ada@example.com"');
    const grid = JSON.parse(result.stdout.slice(result.stdout.indexOf('{"data":{"experiment"')));
    expect(grid.data.experiment.grid.cells).toHaveLength(4);
    expect(grid.data.experiment.grid.scratch).toEqual({ runCount: 0, mean: null });
  });

  it('python: the standard library alone creates, logs and finishes a run, then reads the grid', async () => {
    const code = example(readme, 'python');
    const imports = code.split('\n').filter((line) => /^\s*(import|from)\s/.test(line));
    expect(imports).toEqual(['import json, os, urllib.request']);
    const file = join(folder, 'example.py');
    await writeFile(file, code);
    const result = await runProcess('python3', [file], { env: env(), cwd: folder });
    expect(result).toMatchObject({ code: 0, stderr: '' });

    const [first, ...rest] = result.stdout.split('\n');
    const runId = /^run ([0-9a-f-]{36})$/.exec(first)?.[1];
    expect(runId).toBeDefined();
    const grid = JSON.parse(rest.join('\n'));
    expect(grid.cells).toContainEqual(
      expect.objectContaining({ frozenLayers: 2, learningRate: 0.003, runCount: 1 }),
    );
    const cell = grid.cells.find((c: { learningRate: number }) => c.learningRate === 0.003);
    expect(cell.mean).toBeCloseTo(0.88, 10);

    const [run] = await t.sql(
      `SELECT status, external, seed, best_val_accuracy, best_epoch, finished_at IS NOT NULL AS finished,
              (SELECT count(*)::int FROM metric_points WHERE run_id = runs.id) AS points
         FROM runs WHERE id = $1`,
      [runId],
    );
    expect(run).toMatchObject({
      status: 'succeeded',
      external: true,
      seed: 42,
      best_epoch: 3,
      finished: true,
      points: 6,
    });
    expect(run.best_val_accuracy).toBeCloseTo(0.88, 10);
  });

  it('finetrack: logs in, lists, creates, logs, finishes, and prints the grid and runs', async () => {
    const bin = join(folder, 'bin');
    await mkdir(bin, { recursive: true });
    await symlink(FINETRACK_BIN, join(bin, 'finetrack'));
    const config = join(folder, 'config');
    const result = await bash(example(readme, 'finetrack'), {
      PATH: `${bin}:${dirname(process.execPath)}:${process.env.PATH}`,
      FINETRACK_CONFIG_DIR: config,
    });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect((await stat(join(config, 'config.json'))).mode & 0o777).toBe(0o600);
    const out = result.stdout;
    expect(out).toContain(`logged in to ${t.url} as ada@example.com`);
    expect(out).toContain(ids.project);
    expect(out).toContain(ids.experiment);
    const runId = /logged 2 points to run ([0-9a-f-]{36}) in 1 call/.exec(out)?.[1];
    expect(out).toContain(`logged 3 points to run ${runId} in 1 call`); // from metrics.jsonl
    expect(out).toMatch(/^1\s+0\.88 \(1\/1\)$/m); // its own grid cell
    expect(out).toMatch(
      new RegExp(`^${runId},succeeded,true,pretrained,1,0\\.005,7,2,0\\.88,0\\.88,0\\.35,2,`, 'm'),
    );
  });
});
