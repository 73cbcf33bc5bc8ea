import { appendFile, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MetricSpool } from './metric-spool.js';

const point = (step: number, key = 'loss') => ({ key, step, value: step / 10, wallTime: step });

describe('MetricSpool', () => {
  let directory: string;
  let sut: MetricSpool;
  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'spool-'));
    sut = new MetricSpool(join(directory, 'spool'));
  });
  afterEach(() => rm(directory, { recursive: true, force: true }));

  it('keeps batches in order until they are acknowledged', async () => {
    await sut.append('run-a', [point(1), point(2)]);
    await sut.append('run-a', [point(3)]);
    await sut.append('run-a', []); // nothing to keep
    expect(await sut.pending('run-a')).toEqual([
      { index: 0, points: [point(1), point(2)] },
      { index: 1, points: [point(3)] },
    ]);
    await sut.acknowledge('run-a', 1);
    expect(await sut.pending('run-a')).toEqual([{ index: 1, points: [point(3)] }]);
    await sut.acknowledge('run-a', 2);
    expect(await sut.pending('run-a')).toEqual([]);
  });

  it("keeps the run's lease token for a later process, owner-only, and forgets it with the run", async () => {
    expect(await sut.lease('run-a')).toBeUndefined();
    await sut.setLease('run-a', 'lease-1');
    await sut.append('run-a', [point(1)]);
    const restarted = new MetricSpool(join(directory, 'spool'));
    expect(await restarted.lease('run-a')).toBe('lease-1');
    expect((await stat(join(directory, 'spool', 'run-a.lease'))).mode & 0o077).toBe(0);
    await restarted.remove('run-a');
    expect(await restarted.lease('run-a')).toBeUndefined();
    expect(await readdir(join(directory, 'spool'))).toEqual([]);
  });

  it('survives a new process: another instance sees the same pending batches', async () => {
    await sut.append('run-a', [point(1)]);
    await sut.append('run-a', [point(2)]);
    await sut.acknowledge('run-a', 1);
    const restarted = new MetricSpool(join(directory, 'spool'));
    expect(await restarted.runs()).toEqual(['run-a']);
    expect(await restarted.pending('run-a')).toEqual([{ index: 1, points: [point(2)] }]);
  });

  it('ignores a line torn by a crash mid-append', async () => {
    await sut.append('run-a', [point(1)]);
    await appendFile(join(directory, 'spool', 'run-a.jsonl'), '[{"key":"loss","st');
    expect(await sut.pending('run-a')).toEqual([{ index: 0, points: [point(1)] }]);
  });

  it('keeps runs apart and forgets a removed one', async () => {
    await sut.append('run-b', [point(1, 'b')]);
    await sut.append('run-a', [point(1, 'a')]);
    await sut.acknowledge('run-a', 1);
    expect(await sut.runs()).toEqual(['run-a', 'run-b']);
    await sut.remove('run-a');
    expect(await sut.runs()).toEqual(['run-b']);
    expect(await readdir(join(directory, 'spool'))).toEqual(['run-b.jsonl']);
    expect(await sut.pending('run-a')).toEqual([]);
  });

  it('has nothing pending for an unknown run or a missing folder', async () => {
    expect(await sut.runs()).toEqual([]);
    expect(await sut.pending('nope')).toEqual([]);
    expect(await sut.acknowledged('nope')).toBe(0);
  });
});
