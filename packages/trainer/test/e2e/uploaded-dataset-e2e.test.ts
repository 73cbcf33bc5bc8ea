import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pngBytes } from '@finetrack/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExperiment, setUpTeam, type TeamFixture } from '../../src/worker/bench/fixture.js';
import { startApi, type ApiProcess } from '../support/api-process.js';
import { makeSourceModel, type SourceModelFiles } from '../support/source-model.js';
import { startWorker, until, type WorkerProcess } from '../support/worker-process.js';

// A team's own images, the whole way: `finetrack dataset upload` of a folder, an experiment on
// it, a worker on another FINETRACK_HOME (no data root, no shared disk: only the API URL and a
// token) that downloads the archive once and serves the second run from its cache, and
// `finetrack model download` of the trained model, byte for byte what the worker uploaded.

/** The `finetrack` bin shim of the shared workspace (built before the trainer's tests). */
const FINETRACK_BIN = fileURLToPath(new URL('../../../shared/bin/finetrack.js', import.meta.url));

const CLASSES: Record<string, [number, number, number]> = {
  dark: [20, 20, 20],
  mid: [120, 120, 120],
  light: [230, 230, 230],
};

describe("a team's uploaded images, run by a worker on another home", () => {
  let home: string;
  let api: ApiProcess;
  let source: SourceModelFiles;
  let team: TeamFixture;
  let worker: WorkerProcess | undefined;

  const finetrack = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [FINETRACK_BIN, ...args],
        {
          env: {
            ...process.env,
            FINETRACK_API: api.url,
            FINETRACK_TOKEN: team.user.token!,
            FINETRACK_CONFIG_DIR: join(home, 'cli-config'),
          },
          timeout: 60_000,
        },
        (error, stdout, stderr) =>
          resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });
  const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').pop()!);

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'finetrack-uploaded-'));
    await chmod(home, 0o755); // embedded PostgreSQL runs as the postgres user when we are root
    [api, source] = await Promise.all([
      startApi(join(home, 'api')),
      makeSourceModel(join(home, 'source')),
    ]);
    team = await setUpTeam(api, source, 'own-images@example.test');
  });

  afterAll(async () => {
    await worker?.kill();
    await api?.stop();
    await rm(home, { recursive: true, force: true });
  });

  it('uploads with the CLI, trains two runs from one download on a second home, and downloads the model', async () => {
    const images = join(home, 'images');
    for (const [className, [r, g, b]] of Object.entries(CLASSES)) {
      await mkdir(join(images, className), { recursive: true });
      for (let index = 0; index < 12; index++) {
        const shade = (value: number) => Math.max(0, Math.min(255, value + (index % 5) * 6 - 12));
        await writeFile(
          join(images, className, `${index}.png`),
          pngBytes(28, 28, [shade(r), shade(g), shade(b)]),
        );
      }
    }
    const uploaded = await finetrack([
      'dataset',
      'upload',
      images,
      '--team',
      team.teamId,
      '--name',
      'shades',
      '--json',
    ]);
    expect(uploaded.code, uploaded.stderr).toBe(0);
    const dataset = lastJson(uploaded.stdout) as { id: string; classNames: string[] };
    expect(dataset.classNames).toEqual(['dark', 'light', 'mid']);

    // The second home holds nothing but the worker's own folder: no data root, no dataset.
    const workerHome = join(home, 'elsewhere');
    const runOne = async (seed: number) => {
      const experiment = await createExperiment(
        team,
        { frozenLayers: [2], learningRates: [0.003], seeds: [seed], epochs: 2, batchSize: 8 },
        { datasetId: dataset.id },
      );
      worker = startWorker(
        [
          '--api',
          api.url,
          '--token',
          team.workerToken,
          '--work-dir',
          join(workerHome, 'worker'),
          '--claim-wait',
          '2',
        ],
        { FINETRACK_HOME: workerHome, FINETRACK_DATA_ROOT: '' },
      );
      const run = async () =>
        (
          await team.user.gql(
            `query($id: ID!) { run(id: $id) { status errorMessage resultModelId } }`,
            { id: experiment.runIds[0] },
          )
        ).run as { status: string; errorMessage: string | null; resultModelId: string | null };
      await until(
        async () => ['SUCCEEDED', 'FAILED'].includes((await run()).status),
        120_000,
        `the run to finish:\n${worker.output()}`,
      );
      const finished = await run();
      expect([finished.status, finished.errorMessage], worker.output()).toEqual([
        'SUCCEEDED',
        null,
      ]);
      await worker.kill();
      return { ...finished, output: worker.output() };
    };

    // The first run downloads and indexes the archive; a new worker process on the same home
    // finds both in its cache.
    const first = await runOne(1);
    expect(first.output.match(/: downloading \d+ bytes/g), first.output).toHaveLength(1);
    expect(first.output.match(/: indexing at 28×28×1/g), first.output).toHaveLength(1);
    const second = await runOne(2);
    expect(second.output).not.toMatch(/: downloading|: indexing/);
    expect(second.output.match(/: cached/g), second.output).toHaveLength(1);

    const modelId = first.resultModelId!;
    const out = join(home, 'downloaded');
    const downloaded = await finetrack(['model', 'download', modelId, '--out', out, '--json']);
    expect(downloaded.code, downloaded.stderr).toBe(0);
    const { model } = await team.user.gql(
      `query($id: ID!) { model(id: $id) { artifacts { fileName sha256 byteSize } } }`,
      { id: modelId },
    );
    const artifacts = model.artifacts as { fileName: string; sha256: string; byteSize: number }[];
    expect(artifacts.length).toBeGreaterThan(1);
    expect((await readdir(out)).sort()).toEqual(
      [...new Set([...artifacts.map((artifact) => artifact.fileName), 'finetrack.json'])].sort(),
    );
    // What tf.loadLayersModel reads is byte for byte the worker's upload; finetrack.json is the
    // API's description of the model, written fresh for the download.
    for (const artifact of artifacts.filter((file) => file.fileName !== 'finetrack.json')) {
      const bytes = await readFile(join(out, artifact.fileName));
      expect(bytes.length).toBe(artifact.byteSize);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(artifact.sha256);
    }
    const metadata = JSON.parse(await readFile(join(out, 'finetrack.json'), 'utf8'));
    expect(metadata).toMatchObject({ id: modelId, kind: 'target' });
  });
});
