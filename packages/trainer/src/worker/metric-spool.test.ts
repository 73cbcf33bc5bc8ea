import {
  appendFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { useSmallDiskSpool, type SmallDisk } from './full-disk.test-support.js';
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

  it('skips a line torn by a crash mid-append and replays the lines before and after it', async () => {
    await sut.append('run-a', [point(1)]);
    await appendFile(join(directory, 'spool', 'run-a.jsonl'), '[{"key":"loss","st');
    expect(await sut.pending('run-a')).toEqual([{ index: 0, points: [point(1)] }]);
    await sut.append('run-a', [point(2)]);
    expect(await sut.pending('run-a')).toEqual([
      { index: 0, points: [point(1)] },
      { index: 2, points: [point(2)] },
    ]);
    await sut.acknowledge('run-a', 1);
    expect(await sut.pending('run-a')).toEqual([{ index: 2, points: [point(2)] }]);
    await sut.acknowledge('run-a', 3);
    expect(await sut.pending('run-a')).toEqual([]);
  });

  it("removes other processes' stale .ack temporary files when a worker starts", async () => {
    await sut.append('run-a', [point(1)]);
    const spoolDirectory = join(directory, 'spool');
    await writeFile(join(spoolDirectory, 'run-a.ack.999999999.tmp'), '1');
    expect(await sut.runs()).toEqual(['run-a']);
    expect(await readdir(spoolDirectory)).toEqual(['run-a.jsonl']);
  });

  // /dev/full answers every write with ENOSPC, so these run without root too.
  it('throws ENOSPC and keeps nothing of a batch written to /dev/full', async () => {
    await mkdir(join(directory, 'spool'));
    await symlink('/dev/full', join(directory, 'spool', 'run-a.jsonl'));
    await expect(sut.append('run-a', [point(1)])).rejects.toMatchObject({ code: 'ENOSPC' });
    await rm(join(directory, 'spool', 'run-a.jsonl')); // space is back
    await sut.append('run-a', [point(2)]);
    expect(await sut.pending('run-a')).toEqual([{ index: 0, points: [point(2)] }]);
  });

  it('leaves the .ack file as it was and no temporary file when writing it fails', async () => {
    await sut.append('run-a', [point(1)]);
    await sut.append('run-a', [point(2)]);
    await sut.acknowledge('run-a', 1);
    const temporary = join(directory, 'spool', `run-a.ack.${process.pid}.tmp`);
    await symlink('/dev/full', temporary);
    await expect(sut.acknowledge('run-a', 2)).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(await sut.acknowledged('run-a')).toBe(1);
    expect((await readdir(join(directory, 'spool'))).sort()).toEqual(['run-a.ack', 'run-a.jsonl']);
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

describe('MetricSpool on a full disk (64 KiB tmpfs)', () => {
  let disk: SmallDisk;
  let sut: MetricSpool;
  useSmallDiskSpool((mounted, spool) => {
    disk = mounted;
    sut = spool;
  });

  // 100 points ≈ 4.5 KiB: more than a page, so an append on a full disk cannot fit into the slack
  // of the file's last page, and a partial write is what the disk does.
  const batch = (from: number) => Array.from({ length: 100 }, (_, i) => point(from + i));

  it('keeps a failed append out of the file, and replays every batch once space is back', async () => {
    const file = join(disk.directory, 'spool', 'run-a.jsonl');
    for (let line = 0; line < 3; line += 1) await sut.append('run-a', batch(line * 100));
    await disk.fill();
    const before = await readFile(file);
    for (const line of [3, 3]) {
      await expect(sut.append('run-a', batch(line * 100))).rejects.toMatchObject({
        code: 'ENOSPC',
      });
      expect((await readFile(file)).equals(before)).toBe(true);
    }
    await disk.free();
    await sut.append('run-a', batch(300));
    await sut.append('run-a', batch(400));
    expect(await sut.pending('run-a')).toEqual(
      [0, 1, 2, 3, 4].map((index) => ({ index, points: batch(index * 100) })),
    );
  });

  it('keeps the .ack file and leaves no temporary file when acknowledging fails', async () => {
    await sut.append('run-a', [point(1)]);
    await sut.append('run-a', [point(2)]);
    await sut.acknowledge('run-a', 1);
    await disk.fill();
    await expect(sut.acknowledge('run-a', 2)).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(await sut.acknowledged('run-a')).toBe(1);
    expect((await readdir(join(disk.directory, 'spool'))).sort()).toEqual([
      'run-a.ack',
      'run-a.jsonl',
    ]);
    await disk.free();
    await sut.acknowledge('run-a', 2);
    expect(await sut.pending('run-a')).toEqual([]);
  });
});
