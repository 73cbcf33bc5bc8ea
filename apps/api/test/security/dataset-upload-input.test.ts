import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { datasetEntries, makeTar, makeZip, pngBytes } from '@finetrack/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, aTeam, aUser } from '../factories/builders.js';
import type { ApiClient } from '../factories/client.js';
import { tusClient } from '../factories/tus.js';
import { startTestServer, type TestServer } from '../harness.js';

const MAX_ARCHIVE_BYTES = 2 * 1024 * 1024;
const MAX_UNCOMPRESSED_BYTES = 3 * 1024 * 1024;

let t: TestServer;
let artifactDir: string;
let owner: ApiClient;
let viewer: ApiClient;
let stranger: ApiClient;
let teamId: string;
let otherTeamId: string;

beforeAll(async () => {
  artifactDir = await mkdtemp(path.join(tmpdir(), 'finetrack-dataset-input-'));
  t = await startTestServer({
    artifactDir,
    datasetMaxArchiveBytes: MAX_ARCHIVE_BYTES,
    datasetMaxUncompressedBytes: MAX_UNCOMPRESSED_BYTES,
  });
  owner = (await aUser(t.url)).client;
  teamId = (await aTeam(owner)).id;
  const viewerUser = await aUser(t.url);
  viewer = viewerUser.client;
  await addMember(owner, teamId, viewerUser, 'VIEWER');
  stranger = (await aUser(t.url)).client;
  otherTeamId = (await aTeam(stranger)).id;
});
afterAll(async () => {
  await t?.stop();
});

const CREATE = `mutation($input: CreateDatasetFromUploadInput!) {
  createDatasetFromUpload(input: $input) { id classNames trainSamples validationSamples }
}`;

/** What a refusal must leave unchanged: datasets, stored archives and their files. */
async function snapshot() {
  const datasets = await t.sql('SELECT count(*)::int AS n FROM datasets');
  const archives = await t.sql('SELECT count(*)::int AS n FROM dataset_archives');
  const files = await readdir(path.join(artifactDir, teamId)).catch(() => [] as string[]);
  return {
    datasets: datasets[0].n as number,
    archives: archives[0].n as number,
    files: files.sort(),
  };
}

const good = datasetEntries(['cat', 'dog'], 3);
// Under the total limit, so the ratio is what refuses it.
const zeros = Buffer.alloc(2.5 * 1024 * 1024);

const archiveCases: { name: string; bytes: () => Promise<Buffer> | Buffer; reason: string }[] = [
  { name: 'a file that is not an archive', bytes: () => pngBytes(), reason: 'not-an-archive' },
  {
    name: 'an entry outside the root (../)',
    bytes: () => makeZip([...good, { name: '../evil/x.png', bytes: pngBytes() }]),
    reason: 'path-outside-root',
  },
  {
    name: 'an absolute entry path',
    bytes: () => makeTar([...good, { name: '/etc/evil.png', bytes: pngBytes() }]),
    reason: 'absolute-path',
  },
  {
    name: 'a symbolic link',
    bytes: () =>
      makeZip([...good, { name: 'cat/l.png', type: 'symlink', linkname: '/etc/passwd' }]),
    reason: 'link',
  },
  {
    name: 'a hard link',
    bytes: () => makeTar([...good, { name: 'cat/h.png', type: 'link', linkname: 'cat/0.png' }]),
    reason: 'link',
  },
  {
    name: 'a device',
    bytes: () => makeTar([...good, { name: 'cat/tty', type: 'character-device' }]),
    reason: 'device',
  },
  {
    name: 'a zip bomb (ratio)',
    bytes: () => makeZip([...good, { name: 'cat/zeros.bin', bytes: zeros }]),
    reason: 'compression-ratio',
  },
  {
    name: 'an archive over the size limit (413 when the upload is created)',
    bytes: () =>
      makeZip(
        [
          ...good,
          { name: 'cat/a.bin', bytes: Buffer.alloc(1_900_000, 7) },
          { name: 'cat/b.bin', bytes: Buffer.alloc(1_900_000, 9) },
        ],
        0,
      ).subarray(0) as Buffer,
    reason: 'archive-too-large',
  },
  {
    name: 'a zip bomb by total size (a tar.gz that unpacks past the total limit)',
    bytes: async () => {
      // Random-ish bytes that gzip cannot shrink much, so the ratio stays low and the total decides.
      const noise = Buffer.from(
        Array.from({ length: 1_700_000 }, (_, i) => (i * 2654435761) >>> 24),
      );
      return makeTar(
        [
          ...good,
          { name: 'cat/a.bin', bytes: noise },
          { name: 'cat/b.bin', bytes: noise },
          { name: 'cat/c.bin', bytes: noise },
        ],
        true,
      );
    },
    reason: 'uncompressed-too-large',
  },
  {
    name: 'no class folders',
    bytes: () => makeZip([{ name: 'a.png', bytes: pngBytes() }]),
    reason: 'no-class-folders',
  },
  { name: 'one class only', bytes: () => makeZip(datasetEntries(['cat'], 3)), reason: 'one-class' },
  {
    name: 'a class with no readable image',
    bytes: () => makeZip([...good, { name: 'owl/0.png', bytes: Buffer.from('not a png') }]),
    reason: 'empty-class',
  },
];

describe('dataset upload bad input', () => {
  it.each(archiveCases)(
    'refuses $name with BAD_USER_INPUT ($reason), storing nothing',
    async ({ bytes, reason }) => {
      const body = await bytes();
      const tus = tusClient(t.url, owner);
      if (body.length > MAX_ARCHIVE_BYTES) {
        const before = await snapshot();
        const { response, id } = await tus.create(body.length, { teamId });
        expect(response.status).toBe(413);
        expect(id).toBeNull();
        expect(await snapshot()).toEqual(before);
        return;
      }
      const uploadId = await tus.upload(body, { teamId });
      // The tus file is stored on finish; refusing the archive removes it again.
      const before = await snapshot();
      const response = await owner.request(CREATE, { input: { teamId, name: 'bad', uploadId } });
      expect(response.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(response.errors?.[0]?.message).toContain(reason);
      const after = await snapshot();
      expect(after.datasets).toBe(before.datasets);
      expect(after.archives).toBe(before.archives - 1);
      expect(after.files.length).toBe(before.files.length - 1);
    },
  );

  it('skips and counts non-image files, keeping the images', async () => {
    const body = makeZip([
      ...good,
      { name: 'cat/notes.txt', bytes: Buffer.from('hello') },
      { name: 'dog/list.csv', bytes: Buffer.from('a,b') },
    ]);
    const uploadId = await tusClient(t.url, owner).upload(body, { teamId });
    const data = await owner.gql(CREATE, { input: { teamId, name: 'mixed', uploadId } });
    expect(data.createDatasetFromUpload.classNames).toEqual(['cat', 'dog']);
    expect(
      data.createDatasetFromUpload.trainSamples + data.createDatasetFromUpload.validationSamples,
    ).toBe(6);
  });

  it('refuses an upload over the size limit when it is created (413)', async () => {
    const { response, id } = await tusClient(t.url, owner).create(MAX_ARCHIVE_BYTES + 1, {
      teamId,
    });
    expect(response.status).toBe(413);
    expect(response.code).toBe('BAD_USER_INPUT');
    expect(id).toBeNull();
  });

  it('lets a viewer upload nothing (FORBIDDEN) and another team see nothing (NOT_FOUND)', async () => {
    const body = makeZip(good);
    const asViewer = await tusClient(t.url, viewer).create(body.length, { teamId });
    expect([asViewer.response.status, asViewer.response.code]).toEqual([403, 'FORBIDDEN']);
    const asStranger = await tusClient(t.url, stranger).create(body.length, { teamId });
    expect([asStranger.response.status, asStranger.response.code]).toEqual([404, 'NOT_FOUND']);
    const anonymous = await fetch(`${t.url}/uploads`, {
      method: 'POST',
      headers: { 'tus-resumable': '1.0.0', 'upload-length': '10' },
    });
    expect(anonymous.status).toBe(401);

    // Someone else's upload can be neither resumed, inspected nor turned into a dataset.
    const { id } = await tusClient(t.url, owner).create(body.length, { teamId });
    const patch = await tusClient(t.url, stranger).patch(id!, 0, body);
    expect(patch.status).toBe(404);
    expect((await tusClient(t.url, stranger).head(id!)).status).toBe(404);
    expect((await tusClient(t.url, owner).patch(id!, 0, body)).status).toBe(204);
    expect(await viewer.code(CREATE, { input: { teamId, name: 'v', uploadId: id } })).toBe(
      'FORBIDDEN',
    );
    expect(await stranger.code(CREATE, { input: { teamId, name: 's', uploadId: id } })).toBe(
      'NOT_FOUND',
    );
    expect(
      await stranger.code(CREATE, { input: { teamId: otherTeamId, name: 's', uploadId: id } }),
    ).toBe('NOT_FOUND');

    const dataset = (await owner.gql(CREATE, { input: { teamId, name: 'mine', uploadId: id } }))
      .createDatasetFromUpload;
    for (const url of [
      `/dataset-files/${dataset.id}/archive`,
      `/dataset-files/${dataset.id}/thumbnails/0`,
    ]) {
      const other = await fetch(`${t.url}${url}`, { headers: { cookie: stranger.cookie! } });
      expect(other.status).toBe(404);
      const asTeamViewer = await fetch(`${t.url}${url}`, { headers: { cookie: viewer.cookie! } });
      expect(asTeamViewer.status).toBe(200);
      await asTeamViewer.arrayBuffer();
    }
  });
});
