import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { datasetEntries, makeTar, makeZip } from '@finetrack/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aTeam, aUser } from './factories/builders.js';
import type { ApiClient } from './factories/client.js';
import { tusClient } from './factories/tus.js';
import { startTestServer, type TestServer } from './harness.js';

let t: TestServer;
let artifactDir: string;
let owner: ApiClient;
let teamId: string;
let tus: ReturnType<typeof tusClient>;

beforeAll(async () => {
  artifactDir = await mkdtemp(path.join(tmpdir(), 'finetrack-dataset-uploads-'));
  t = await startTestServer({ artifactDir });
  owner = (await aUser(t.url)).client;
  teamId = (await aTeam(owner)).id;
  tus = tusClient(t.url, owner);
});
afterAll(async () => {
  await t?.stop();
});

export const CREATE_FROM_UPLOAD = `mutation($input: CreateDatasetFromUploadInput!) {
  createDatasetFromUpload(input: $input) {
    id name version classNames trainSamples validationSamples spec
    classCounts { className train validation }
    thumbnails { className url }
    versions { id version }
  }
}`;

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const archiveRows = async () =>
  (await t.sql('SELECT sha256 FROM dataset_archives WHERE team_id = $1', [teamId])).length;
const storedArchives = async () =>
  (await readdir(path.join(artifactDir, teamId)).catch(() => [] as string[])).filter((name) =>
    name.startsWith('dataset-'),
  );

describe('dataset uploads', () => {
  it('makes an indexed dataset with counts, thumbnails and versions of an uploaded archive', async () => {
    const bytes = makeZip(datasetEntries(['cat', 'dog', 'owl'], 5));
    const uploadId = await tus.upload(bytes, { teamId, filename: 'pets.zip' });
    const data = await owner.gql(CREATE_FROM_UPLOAD, {
      input: { teamId, name: 'pets', uploadId, validationFraction: 0.2, seed: 7 },
    });
    const dataset = data.createDatasetFromUpload;
    expect(dataset.classNames).toEqual(['cat', 'dog', 'owl']);
    expect(dataset.version).toBe(1);
    expect(dataset.classCounts).toEqual([
      { className: 'cat', train: 4, validation: 1 },
      { className: 'dog', train: 4, validation: 1 },
      { className: 'owl', train: 4, validation: 1 },
    ]);
    expect([dataset.trainSamples, dataset.validationSamples]).toEqual([12, 3]);
    expect(dataset.spec).toMatchObject({
      kind: 'archive',
      sha256: sha256(bytes),
      byteSize: bytes.length,
      format: 'zip',
      seed: 7,
    });
    expect(dataset.thumbnails).toHaveLength(12);
    const thumbnail = await fetch(`${t.url}${dataset.thumbnails[0].url}`, {
      headers: { cookie: owner.cookie! },
    });
    expect(thumbnail.headers.get('content-type')).toBe('image/png');
    expect((await thumbnail.arrayBuffer()).byteLength).toBeGreaterThan(50);

    const archive = await fetch(`${t.url}/dataset-files/${dataset.id}/archive`, {
      headers: { cookie: owner.cookie! },
    });
    const downloaded = Buffer.from(await archive.arrayBuffer());
    expect(downloaded.equals(bytes)).toBe(true);
    expect(archive.headers.get('x-content-sha256')).toBe(sha256(bytes));
    expect(archive.headers.get('etag')).toBe(`"${sha256(bytes)}"`);
    expect(archive.headers.get('content-length')).toBe(String(bytes.length));

    // New contents under the same name: version 2, and both versions listed newest first.
    const second = await makeTar(datasetEntries(['cat', 'dog'], 2), true);
    const secondId = await tus.upload(second, { teamId, filename: 'pets.tar.gz' });
    const v2 = (
      await owner.gql(CREATE_FROM_UPLOAD, { input: { teamId, name: 'pets', uploadId: secondId } })
    ).createDatasetFromUpload;
    expect(v2.version).toBe(2);
    expect(v2.spec.format).toBe('tar.gz');
    expect(v2.versions.map((entry: { version: number }) => entry.version)).toEqual([2, 1]);
    // The tus files are gone once stored.
    expect(
      (await readdir(path.join(artifactDir, '.uploads'))).filter((name) => !name.startsWith('.')),
    ).toEqual([]);
  });

  it('stores the same bytes once, also when two identical uploads run at once', async () => {
    const bytes = makeZip(datasetEntries(['red', 'blue'], 3));
    const before = await storedArchives();
    const ids = await Promise.all([
      tus.upload(bytes, { teamId }),
      tus.upload(bytes, { teamId }),
      tus.upload(bytes, { teamId }),
    ]);
    const made = await Promise.all(
      ids.map((uploadId) =>
        owner.gql(CREATE_FROM_UPLOAD, { input: { teamId, name: 'colours', uploadId } }),
      ),
    );
    const versions = made.map((data) => data.createDatasetFromUpload.version).sort();
    expect(versions).toEqual([1, 2, 3]);
    const after = await storedArchives();
    expect(after.length - before.length).toBe(1);
    expect(after).toContain(`dataset-${sha256(bytes)}`);
    expect(
      (await t.sql('SELECT 1 FROM dataset_archives WHERE sha256 = $1', [sha256(bytes)])).length,
    ).toBe(1);
  });

  it('resumes an interrupted upload, and shows nothing before it is finished', async () => {
    const bytes = makeZip(datasetEntries(['left', 'right'], 4));
    const half = Math.floor(bytes.length / 2);
    const { id } = await tus.create(bytes.length, { teamId });
    expect(id).toBeTruthy();
    expect((await tus.patch(id!, 0, bytes.subarray(0, half))).status).toBe(204);
    const rowsBefore = await archiveRows();
    // Not finished: no dataset can be made of it, nothing is stored.
    expect(
      await owner.code(CREATE_FROM_UPLOAD, { input: { teamId, name: 'half', uploadId: id } }),
    ).toBe('NOT_FOUND');
    const head = await tus.head(id!);
    expect(head.headers.get('upload-offset')).toBe(String(half));
    expect((await tus.patch(id!, half, bytes.subarray(half))).status).toBe(204);
    expect(await archiveRows()).toBe(rowsBefore + 1);
    const dataset = (
      await owner.gql(CREATE_FROM_UPLOAD, { input: { teamId, name: 'half', uploadId: id } })
    ).createDatasetFromUpload;
    expect(dataset.spec.sha256).toBe(sha256(bytes));
  });

  it('deletes an unfinished upload nobody resumed within UPLOAD_EXPIRY_HOURS', async () => {
    const bytes = makeZip(datasetEntries(['old', 'new'], 4));
    const half = Math.floor(bytes.length / 2);
    const stale = (await tus.create(bytes.length, { teamId })).id!;
    const fresh = (await tus.create(bytes.length, { teamId })).id!;
    for (const id of [stale, fresh]) {
      const patched = await tus.patch(id, 0, bytes.subarray(0, half));
      expect(patched.status).toBe(204);
      // 24 hours from the upload's start, as the default UPLOAD_EXPIRY_HOURS says.
      const expires = Date.parse(patched.headers.get('upload-expires') ?? '');
      expect(Math.abs(expires - Date.now() - 86_400_000)).toBeLessThan(120_000);
    }
    // Started two days ago, and never finished.
    const info = path.join(artifactDir, '.uploads', `${stale}.json`);
    const record = JSON.parse(await readFile(info, 'utf8'));
    await writeFile(
      info,
      JSON.stringify({
        ...record,
        creation_date: new Date(Date.now() - 2 * 86_400_000).toISOString(),
      }),
    );
    // An API starting on the same store sweeps at start-up.
    const second = await startTestServer({ artifactDir });
    await second.stop();
    expect((await tus.head(stale)).status).toBe(404);
    await expect(stat(path.join(artifactDir, '.uploads', stale))).rejects.toThrow();
    expect((await tus.head(fresh)).headers.get('upload-offset')).toBe(String(half));
  });

  it('deletes the archive bytes with the last dataset that uses them', async () => {
    const bytes = makeZip(datasetEntries(['up', 'down'], 2));
    const first = await tus.upload(bytes, { teamId });
    const second = await tus.upload(bytes, { teamId });
    const a = (
      await owner.gql(CREATE_FROM_UPLOAD, { input: { teamId, name: 'ud', uploadId: first } })
    ).createDatasetFromUpload.id;
    const b = (
      await owner.gql(CREATE_FROM_UPLOAD, { input: { teamId, name: 'ud-copy', uploadId: second } })
    ).createDatasetFromUpload.id;
    const DELETE = `mutation($id: ID!) { deleteDataset(id: $id) }`;
    await owner.gql(DELETE, { id: a });
    expect(await storedArchives()).toContain(`dataset-${sha256(bytes)}`);
    await owner.gql(DELETE, { id: b });
    expect(await storedArchives()).not.toContain(`dataset-${sha256(bytes)}`);
  });
});
