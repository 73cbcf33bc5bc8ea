import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../harness.js';
import {
  aScriptUser,
  cleanEnv,
  FINETRACK_BIN,
  revokeToken,
  runProcess,
  type ProcessResult,
} from './script-setup.js';

let t: TestServer;
let folder: string;
let user: Awaited<ReturnType<typeof aScriptUser>>;
/** FINETRACK_API and FINETRACK_TOKEN set; no stored login. */
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  t = await startTestServer();
  folder = await mkdtemp(join(tmpdir(), 'finetrack-cli-'));
  user = await aScriptUser(t);
  env = cleanEnv({
    FINETRACK_CONFIG_DIR: join(folder, 'env-config'),
    FINETRACK_API: t.url,
    FINETRACK_TOKEN: user.token,
  });
});
afterAll(async () => {
  await t?.stop();
  if (folder) await rm(folder, { recursive: true, force: true });
});

function finetrack(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; input?: string } = {},
): Promise<ProcessResult> {
  return runProcess(process.execPath, [FINETRACK_BIN, ...args], {
    env: options.env ?? env,
    input: options.input,
    cwd: folder,
  });
}

const pointsOf = async (runId: string) =>
  Number(
    (
      await t.sql<{ n: string }>('SELECT count(*) AS n FROM metric_points WHERE run_id = $1', [
        runId,
      ])
    )[0].n,
  );

async function anExternalRun(extra: string[] = []): Promise<string> {
  const created = await finetrack([
    'run',
    'create',
    '--experiment',
    user.experiment.id,
    '--frozen-layers',
    '1',
    '--learning-rate',
    '0.005',
    ...extra,
  ]);
  expect(created).toMatchObject({ code: 0, stderr: '' });
  return created.stdout.trim();
}

describe('finetrack --help', () => {
  it.each([
    [[], 'Usage: finetrack <command>'],
    [['--help'], 'Exit codes:'],
    [['login', '--help'], 'Usage: finetrack login --api URL --token T'],
    [['logout', '--help'], 'Usage: finetrack logout'],
    [['projects', '--help'], 'Usage: finetrack projects'],
    [['experiments', '--help'], 'Usage: finetrack experiments --project ID'],
    [['grid', '--help'], 'Usage: finetrack grid EXPERIMENT_ID'],
    [['runs', '--help'], 'Usage: finetrack runs EXPERIMENT_ID'],
    [['run', '--help'], 'finetrack run create:'],
    [['run', 'create', '--help'], 'Usage: finetrack run create --experiment ID'],
    [['run', 'finish', '--help'], 'Usage: finetrack run finish --run ID'],
    [['run', 'show', '--help'], 'Usage: finetrack run show RUN_ID'],
    [['log', '--help'], 'finetrack log --run ID --file metrics.jsonl'],
  ])('finetrack %j prints its usage on stdout and exits 0', async (args, text) => {
    const result = await finetrack(args, { env: cleanEnv({}) });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain(text);
  });
});

describe('finetrack login', () => {
  it('refuses a wrong token with exit 3 and stores nothing', async () => {
    const config = join(folder, 'refused');
    const result = await finetrack(['login', '--api', t.url, '--token', 'ft_not-a-token'], {
      env: cleanEnv({ FINETRACK_CONFIG_DIR: config }),
    });
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('the API token is invalid, expired or revoked');
    await expect(stat(config)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('stores the token 0600 in a 0700 folder; later commands use it; logout forgets it', async () => {
    const config = join(folder, 'xdg', 'finetrack');
    const stored = cleanEnv({ XDG_CONFIG_HOME: join(folder, 'xdg') });
    const login = await finetrack(['login', '--api', `${t.url}/graphql`, '--token', '-'], {
      env: stored,
      input: `${user.token}\n`,
    });
    expect(login).toMatchObject({ code: 0, stderr: '' });
    expect(login.stdout).toContain(user.user.email);
    expect((await stat(config)).mode & 0o777).toBe(0o700);
    expect((await stat(join(config, 'config.json'))).mode & 0o777).toBe(0o600);
    expect(await readdir(config)).toEqual(['config.json']);

    const projects = await finetrack(['projects', '--format', 'json'], { env: stored });
    expect(projects).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(projects.stdout)).toEqual([
      expect.objectContaining({ id: user.project.id, name: user.project.name }),
    ]);

    expect(await finetrack(['logout'], { env: stored })).toMatchObject({ code: 0 });
    const after = await finetrack(['projects'], { env: stored });
    expect(after.code).toBe(3);
    expect(after.stderr).toContain('not logged in');
  });
});

describe('finetrack projects / experiments / runs / grid', () => {
  it('lists projects as a table and as CSV', async () => {
    const table = await finetrack(['projects']);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^id\s+name\s+team\s+description$/);
    expect(table.stdout).toContain(user.project.id);
    const csv = await finetrack(['projects', '--team', user.team.id, '--format', 'csv']);
    expect(csv.stdout).toBe(
      `id,name,team,description\n${user.project.id},${user.project.name},${user.team.id},digits 0–4 → 5–9\n`,
    );
  });

  it('lists the experiments of a project', async () => {
    const result = await finetrack([
      'experiments',
      '--project',
      user.project.id,
      '--format',
      'csv',
    ]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const [header, row, end] = result.stdout.split('\n');
    expect(header).toBe('id,name,status,createdAt');
    expect(row).toMatch(new RegExp(`^${user.experiment.id},.+,active,\\d{4}-`));
    expect(end).toBe('');
  });

  it('lists the runs of an experiment with every field in JSON and CSV', async () => {
    const json = await finetrack(['runs', user.experiment.id, '--format', 'json']);
    expect(json.code).toBe(0);
    const runs = JSON.parse(json.stdout) as { id: string; status: string; external: boolean }[];
    expect(runs.length).toBeGreaterThanOrEqual(10);
    expect(runs[0]).toMatchObject({ status: 'QUEUED', external: false });
    const csv = await finetrack(['runs', user.experiment.id, '--format', 'csv']);
    const lines = csv.stdout.trim().split('\n');
    expect(lines[0]).toBe(
      'id,status,external,initialization,frozenLayers,learningRate,seed,epochs,bestValAccuracy,lastValAccuracy,bestValLoss,bestEpoch,wallSeconds,queue',
    );
    expect(lines).toHaveLength(runs.length + 1);
    // Queued with no worker online: the queue column says why they wait.
    expect(lines[1]).toMatch(/,queued,.*,no worker connected$/);
    const table = await finetrack(['runs', user.experiment.id]);
    expect(table.stdout.split('\n')[0]).toMatch(/\bqueue$/);
    expect(table.stdout).toMatch(/queued .* no worker connected$/m);
  });
});

describe('an external run from the command line', () => {
  it('is created, logged from arguments and JSONL, finished, and shows in the grid and runs', async () => {
    const runId = await anExternalRun(['--seed', '7', '--epochs', '3']);
    expect(runId).toMatch(/^[0-9a-f-]{36}$/);

    const one = await finetrack([
      'log',
      '--run',
      runId,
      '--step',
      '1',
      'loss=0.61',
      'val_accuracy=0.82',
    ]);
    expect(one).toMatchObject({ code: 0, stderr: '' });
    expect(one.stdout).toBe(`logged 2 points to run ${runId} in 1 call\n`);

    const file = join(folder, 'curve.jsonl');
    await writeFile(
      file,
      [
        '{"step": 2, "loss": 0.42, "val_accuracy": 0.88}',
        '',
        '{"step": 3, "key": "val_accuracy", "value": 0.86, "wallTime": 1767225600}',
        '{"step": 3, "key": "val_loss", "value": 0.35}',
      ].join('\n'),
    );
    const lines = await finetrack(['log', '--run', runId, '--file', file]);
    expect(lines.stdout).toBe(`logged 4 points to run ${runId} in 1 call\n`);
    expect(await pointsOf(runId)).toBe(6);

    const finished = await finetrack(['run', 'finish', '--run', runId, '--format', 'json']);
    expect(finished.code).toBe(0);
    expect(JSON.parse(finished.stdout)).toMatchObject({
      id: runId,
      status: 'SUCCEEDED',
      external: true,
      seed: 7,
      epochs: 3,
      bestValAccuracy: 0.88,
      lastValAccuracy: 0.86,
      bestEpoch: 2,
    });

    const grid = await finetrack(['grid', user.experiment.id, '--format', 'json']);
    expect(JSON.parse(grid.stdout).grid.cells).toContainEqual(
      expect.objectContaining({ frozenLayers: 1, learningRate: 0.005, runCount: 1, mean: 0.88 }),
    );
    const csv = await finetrack([
      'grid',
      user.experiment.id,
      '--metric',
      'loss',
      '--summary',
      'last',
      '--format',
      'csv',
    ]);
    expect(csv.stdout.split('\n')).toContain('pretrained,1,0.005,1,1,0.42,,0.42,');
    const table = await finetrack(['grid', user.experiment.id]);
    expect(table.stdout).toContain('val_accuracy, best per run (higher is better)');
    expect(table.stdout).toMatch(/^1\s+0\.88 \(1\/1\)$/m);
    expect(table.stdout).toContain('scratch baseline: - (0/2)');

    const show = await finetrack(['run', 'show', runId, '--format', 'csv']);
    expect(show).toMatchObject({ code: 0, stderr: '' });
    expect(show.stdout.split('\n')[1]).toMatch(
      new RegExp(`^${runId},succeeded,true,pretrained,1,0\\.005,7,3,0\\.88,0\\.86,0\\.35,2,\\d`),
    );

    const runs = await finetrack(['runs', user.experiment.id]);
    expect(runs.stdout).toMatch(
      new RegExp(
        `^${runId}\\s+succeeded\\s+true\\s+pretrained\\s+1\\s+0\\.005\\s+7\\s+0\\.88`,
        'm',
      ),
    );
  });

  it('logs a large file in calls of at most 10,000 points, and a rerun writes nothing twice', async () => {
    const runId = await anExternalRun(['--seed', '8']);
    const lines = Array.from({ length: 12_500 }, (_, step) =>
      JSON.stringify({ step, loss: 1 / (step + 1), accuracy: step / 12_500 }),
    );
    const file = join(folder, 'large.jsonl');
    await writeFile(file, `${lines.join('\n')}\n`);
    const first = await finetrack(['log', '--run', runId, '--file', file]);
    expect(first).toMatchObject({
      code: 0,
      stdout: `logged 25000 points to run ${runId} in 3 calls\n`,
    });
    const again = await finetrack(['log', '--run', runId, '--file', file, '--batch-size', '5000']);
    expect(again.stdout).toBe(`logged 25000 points to run ${runId} in 5 calls\n`);
    expect(await pointsOf(runId)).toBe(25_000);
  });
});

describe('bad input gives a clear message, a non-zero exit and nothing written', () => {
  let runId: string;
  beforeAll(async () => {
    runId = await anExternalRun(['--seed', '9']);
  });

  const malformed = [
    '{"step": 1, "loss": 0.5}',
    '{"step": 2, "loss": 0.4}',
    '{"step": 3, "loss": 0.3',
    '{"step": 4, "loss": "high"}',
  ].join('\n');

  it.each([
    [
      'a malformed JSONL line',
      ['--file', '-'],
      malformed,
      2,
      ['line 3: not valid JSON', 'line 4: the value of "loss" must be a number (got "high")'],
    ],
    [
      'NaN in JSONL',
      ['--file', '-'],
      '{"step": 1, "loss": NaN}\n',
      2,
      ['line 1: not valid JSON (NaN and Infinity'],
    ],
    [
      'a non-numeric value',
      ['--step', '1', 'loss=0.5', 'acc=high'],
      '',
      2,
      ['argument 2: the value of "acc" must be a finite number (got "high")'],
    ],
    ['a missing step', ['loss=0.5'], '', 2, ['--step is required']],
    ['a negative step', ['--step=-1', 'loss=0.5'], '', 2, ['--step must be an integer ≥ 0']],
    [
      'a file that does not exist',
      ['--file', 'nope.jsonl'],
      '',
      2,
      ['cannot read nope.jsonl (ENOENT)'],
    ],
    ['an unknown option', ['--steps', '1', 'loss=1'], '', 2, ["Unknown option '--steps'"]],
  ])('%s', async (_name, args, input, code, messages) => {
    const result = await finetrack(['log', '--run', runId, ...args], { input });
    expect(result.code).toBe(code);
    expect(result.stdout).toBe('');
    for (const message of messages) expect(result.stderr).toContain(message);
    expect(await pointsOf(runId)).toBe(0);
  });

  it('an unknown run: exit 4, nothing written', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    const result = await finetrack(['log', '--run', unknown, '--step', '1', 'loss=0.5']);
    expect(result).toMatchObject({ code: 4, stdout: '' });
    expect(result.stderr).toContain('run not found (NOT_FOUND)');
    const [{ n }] = await t.sql<{ n: string }>(
      'SELECT count(*) AS n FROM metric_points WHERE run_id = $1',
      [unknown],
    );
    expect(Number(n)).toBe(0);
  });

  it.each([
    ['an unknown experiment', ['grid', '00000000-0000-4000-8000-000000000000'], 4, 'not found'],
    ['an unknown command', ['frobnicate'], 2, 'unknown command "frobnicate"'],
    [
      'a bad format',
      ['runs', 'x', '--format', 'xml'],
      2,
      '--format must be one of table, csv, json',
    ],
    ['a missing experiment id', ['grid'], 2, 'missing argument'],
    [
      'a non-numeric learning rate',
      ['run', 'create', '--experiment', 'x', '--frozen-layers', '1', '--learning-rate', 'fast'],
      2,
      '--learning-rate must be a number > 0',
    ],
    [
      'negative frozen layers',
      ['run', 'create', '--experiment', 'x', '--frozen-layers=-1', '--learning-rate', '0.1'],
      2,
      '--frozen-layers must be an integer ≥ 0',
    ],
    [
      'epochs beyond the shared bound',
      [
        'run',
        'create',
        '--experiment',
        'x',
        '--frozen-layers',
        '1',
        '--learning-rate',
        '0.1',
        '--epochs',
        '5000',
      ],
      2,
      '--epochs must be an integer from 1 to 1000 (got 5000)',
    ],
    [
      'an unknown status',
      ['run', 'finish', '--run', 'x', '--status', 'done'],
      2,
      '--status must be one of succeeded, failed, cancelled',
    ],
  ])('%s', async (_name, args, code, message) => {
    const result = await finetrack(args);
    expect(result.code).toBe(code);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(message);
  });

  it('an API that cannot be reached: exit 1 after retries, with the retries on stderr', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as { port: number };
        probe.close(() => resolve(free));
      });
    });
    const result = await finetrack(['projects'], {
      env: { ...env, FINETRACK_API: `http://127.0.0.1:${port}` },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('cannot reach the API (ECONNREFUSED)');
    expect(result.stderr).toMatch(/retry 1 in/);
  });

  it('a revoked token: exit 3 for every command, nothing written', async () => {
    const { client } = user;
    const created = await client.gql(
      `mutation { createApiToken(input: { name: "to revoke" }) { token apiToken { id } } }`,
    );
    const revoked = { ...env, FINETRACK_TOKEN: created.createApiToken.token as string };
    expect((await finetrack(['projects'], { env: revoked })).code).toBe(0);
    await revokeToken(client, created.createApiToken.apiToken.id);
    const runCount = async () =>
      (await t.sql('SELECT id FROM runs WHERE experiment_id = $1', [user.experiment.id])).length;
    const runsBefore = await runCount();
    for (const args of [
      ['projects'],
      ['runs', user.experiment.id],
      ['log', '--run', runId, '--step', '1', 'loss=0.5'],
      [
        'run',
        'create',
        '--experiment',
        user.experiment.id,
        '--frozen-layers',
        '0',
        '--learning-rate',
        '0.1',
      ],
    ]) {
      const result = await finetrack(args, { env: revoked });
      expect(result.code, args.join(' ')).toBe(3);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(
        'the API token is invalid, expired or revoked (UNAUTHENTICATED)',
      );
    }
    expect(await pointsOf(runId)).toBe(0);
    expect(await runCount()).toBe(runsBefore);
  });
});
