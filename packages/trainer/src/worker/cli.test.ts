import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from './cli.js';
import { writeHeartbeat } from './health.js';

function streams() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  return { sut: { stdout, stderr }, out: () => out, err: () => err };
}

describe('finetrack-worker command line', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'worker-cli-'));
  });
  afterAll(() => rm(directory, { recursive: true, force: true }));

  it('prints help with every option and the healthcheck command', async () => {
    const io = streams();
    expect(await main(['--help'], io.sut)).toBe(0);
    for (const text of [
      '--api',
      '--token-file',
      '--concurrency',
      '--backend',
      '--work-dir',
      'healthcheck',
    ])
      expect(io.out()).toContain(text);
  });

  it.each([
    ['a concurrency of 0', ['--concurrency', '0']],
    ['a non-HTTP API URL', ['--api', 'ftp://example.com']],
    ['an unknown backend', ['--backend', 'tpu']],
    ['an unknown option', ['--frobnicate']],
  ])('exits 2 on %s', async (_name, args) => {
    const io = streams();
    expect(await main([...args, '--token', 't', '--work-dir', directory], io.sut)).toBe(2);
    expect(io.err()).toMatch(/error/);
  });

  it('exits 2 without a token, saying how to give one', async () => {
    const saved = { home: process.env.FINETRACK_HOME, token: process.env.FINETRACK_WORKER_TOKEN };
    delete process.env.FINETRACK_HOME;
    delete process.env.FINETRACK_WORKER_TOKEN;
    try {
      const io = streams();
      expect(await main(['--work-dir', directory], io.sut)).toBe(2);
      expect(io.err()).toMatch(/--token, --token-file, FINETRACK_WORKER_TOKEN/);
    } finally {
      if (saved.home !== undefined) process.env.FINETRACK_HOME = saved.home;
      if (saved.token !== undefined) process.env.FINETRACK_WORKER_TOKEN = saved.token;
    }
  });

  it('healthcheck: 1 without a heartbeat, 0 with a fresh one', async () => {
    const work = join(directory, 'health');
    const before = streams();
    expect(await main(['healthcheck', '--work-dir', work], before.sut)).toBe(1);
    expect(before.err()).toMatch(/unhealthy/);
    await writeHeartbeat(work, {
      pid: process.pid,
      workerId: 'test',
      state: 'idle',
      runId: null,
      at: new Date().toISOString(),
    });
    const after = streams();
    expect(await main(['healthcheck', '--work-dir', work, '--max-age', '30'], after.sut)).toBe(0);
    expect(after.out()).toMatch(/healthy: heartbeat/);
  });
});
