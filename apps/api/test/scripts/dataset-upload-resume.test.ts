import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import { datasetEntries, makeZip } from '@finetrack/shared/testing';
import { describe, expect, it } from 'vitest';
import { startTestServer } from '../harness.js';
import { FINETRACK_BIN, runProcess } from './script-setup.js';
import { aCliSession } from './script-setup.js';

const session = aCliSession('dataset-resume', () => startTestServer());

/**
 * A loopback TCP proxy in front of the API that forwards at most `limit` bytes from clients
 * (the rest is dropped, as if the connection stalled) and counts what it forwarded.
 */
async function aStallingProxy(target: string) {
  const { hostname, port } = new URL(target);
  const state = { limit: Infinity, forwarded: 0 };
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(port), hostname);
    upstream.pipe(client);
    client.on('data', (chunk: Buffer) => {
      const room = state.limit - state.forwarded;
      const part = chunk.length > room ? chunk.subarray(0, Math.max(0, room)) : chunk;
      state.forwarded += part.length;
      // Past the limit the bytes go nowhere: the API waits for them as for a stalled client.
      if (part.length > 0) upstream.write(part);
    });
    client.on('end', () => upstream.end());
    client.on('close', () => upstream.destroy());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    state,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function uploadOffset(url: string, token: string): Promise<number> {
  const response = await fetch(url, {
    method: 'HEAD',
    headers: { authorization: `Bearer ${token}`, 'tus-resumable': '1.0.0' },
  });
  expect(response.status).toBe(200);
  return Number(response.headers.get('upload-offset'));
}

describe('finetrack dataset upload, interrupted', () => {
  it('continues where it stopped when run again, and stores the dataset once', async () => {
    // 40 MiB of incompressible bytes beside the images (a non-image file: skipped and counted),
    // stored without compression: three tus chunks of 16 MiB.
    const archive = makeZip(
      [
        ...datasetEntries(['apple', 'pear'], 3),
        { name: 'apple/notes.bin', bytes: randomBytes(40 * 2 ** 20) },
      ],
      0,
    );
    const file = join(session.folder, 'fruit.zip');
    await writeFile(file, archive);
    const proxy = await aStallingProxy(session.t.url);
    const env = { ...session.env, FINETRACK_API: proxy.url };
    const args = [
      'dataset',
      'upload',
      file,
      '--team',
      session.user.team.id,
      '--name',
      'fruit',
      '--json',
    ];
    try {
      // First try: the connection stalls after 20 MiB and the command is killed.
      proxy.state.limit = 20 * 2 ** 20;
      const first = spawn(process.execPath, [FINETRACK_BIN, ...args], { env });
      let output = '';
      first.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      first.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      let running = true;
      const exited = new Promise((resolve) => first.once('exit', resolve)).finally(
        () => (running = false),
      );
      while (running && proxy.state.forwarded < proxy.state.limit)
        await new Promise((resolve) => setTimeout(resolve, 50));
      expect(running, `finetrack ended before the stall:\n${output}`).toBe(true);
      first.kill('SIGKILL');
      await exited;

      const saved = JSON.parse(
        await readFile(join(session.folder, 'config', 'uploads.json'), 'utf8'),
      );
      const uploads = Object.values(saved) as { uploadUrl: string }[];
      expect(uploads).toHaveLength(1);
      // Asked of the API itself: the proxy still swallows what it is sent.
      const stored = uploads[0].uploadUrl.replace(proxy.url, session.t.url);
      expect(stored.startsWith(session.t.url)).toBe(true);
      // The API kept what reached it (the bytes of the chunk cut off included) and no dataset yet.
      let offset = 0;
      for (let tries = 0; tries < 100 && offset < 16 * 2 ** 20; tries++) {
        offset = await uploadOffset(stored, session.user.token);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(offset).toBeGreaterThanOrEqual(16 * 2 ** 20);
      expect(offset).toBeLessThan(archive.length);
      const none = await session.user.client.gql(
        `query($id: ID!) { datasets(teamId: $id, first: 10) { nodes { name } } }`,
        { id: session.user.team.id },
      );
      expect(none.datasets.nodes.map((d: { name: string }) => d.name)).not.toContain('fruit');

      // Second try, same command: only the rest travels.
      proxy.state.limit = Infinity;
      proxy.state.forwarded = 0;
      const second = await runProcess(process.execPath, [FINETRACK_BIN, ...args], { env });
      expect(second.code, second.stderr).toBe(0);
      expect(proxy.state.forwarded).toBeLessThan(archive.length - offset + 2 ** 20);
      const dataset = JSON.parse(second.stdout.trim().split('\n').pop()!);
      expect(dataset).toMatchObject({ name: 'fruit', version: 1, classNames: ['apple', 'pear'] });
      const { dataset: read } = await session.user.client.gql(
        `query($id: ID!) { dataset(id: $id) { spec } }`,
        { id: dataset.id },
      );
      expect(read.spec).toMatchObject({ kind: 'archive', byteSize: archive.length });
    } finally {
      await proxy.close();
    }
  }, 120_000);
});
