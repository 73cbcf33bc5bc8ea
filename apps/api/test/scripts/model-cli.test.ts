import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aLayersModel } from '../factories/layers-model.js';
import { startTestServer } from '../harness.js';
import { aCliSession } from './script-setup.js';

const session = aCliSession('model-cli', () => startTestServer());
const { finetrack } = session;

async function writeFolder(name: string, files: Map<string, Buffer>): Promise<string> {
  const directory = join(session.folder, name);
  await mkdir(directory, { recursive: true });
  for (const [file, bytes] of files) await writeFile(join(directory, file), bytes);
  return directory;
}

const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').pop()!);

describe('finetrack model import / download', () => {
  it('round-trips a model folder byte for byte, with finetrack.json', async () => {
    const model = aLayersModel({ shards: 3 });
    const source = await writeFolder('source', model.files);
    const imported = await finetrack([
      'model',
      'import',
      source,
      '--team',
      session.user.team.id,
      '--name',
      'ResNet50 chairs',
      '--json',
    ]);
    expect(imported.code, imported.stderr).toBe(0);
    const { id, preprocessing } = lastJson(imported.stdout);
    expect(preprocessing).toBe('caffe');
    const out = join(session.folder, 'downloaded');
    const downloaded = await finetrack(['model', 'download', id, '--out', out, '--json']);
    expect(downloaded.code, downloaded.stderr).toBe(0);
    expect(lastJson(downloaded.stdout).id).toBe(id);
    expect((await readdir(out)).sort()).toEqual([...model.files.keys(), 'finetrack.json'].sort());
    for (const [file, bytes] of model.files)
      expect((await readFile(join(out, file))).equals(bytes)).toBe(true);
    const metadata = JSON.parse(await readFile(join(out, 'finetrack.json'), 'utf8'));
    expect(metadata).toMatchObject({
      id,
      name: 'ResNet50 chairs',
      kind: 'source',
      preprocessing: 'caffe',
    });
    // A downloaded folder imports again (its finetrack.json is left out).
    const again = await finetrack([
      'model',
      'import',
      out,
      '--team',
      session.user.team.id,
      '--name',
      'again',
      '--json',
    ]);
    expect(again.code, again.stderr).toBe(0);
  });

  it('refuses a bad folder before uploading anything', async () => {
    const model = aLayersModel({ shards: 2 });
    const files = new Map(model.files);
    files.set('group1-shard2of2.bin', Buffer.alloc(3));
    const bad = await writeFolder('bad', files);
    const before = await session.t.sql('SELECT count(*)::int AS n FROM models');
    const result = await finetrack([
      'model',
      'import',
      bad,
      '--team',
      session.user.team.id,
      '--name',
      'bad',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('manifest');
    expect(await session.t.sql('SELECT count(*)::int AS n FROM models')).toEqual(before);
  });

  it('answers NOT_FOUND for another team’s id', async () => {
    const source = await writeFolder('other', aLayersModel().files);
    const result = await finetrack([
      'model',
      'import',
      source,
      '--team',
      '00000000-0000-4000-8000-000000000000',
      '--name',
      'x',
    ]);
    expect(result.stderr).toContain('NOT_FOUND');
  });
});
