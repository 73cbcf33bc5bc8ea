import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { MetricSpool } from './metric-spool.js';

/** A real disk that fills up and frees space again: a 64 KiB tmpfs (needs root). */
export interface SmallDisk {
  directory: string;
  /** Writes a filler file until the disk answers ENOSPC. */
  fill(): Promise<void>;
  /** Removes the filler file: space is back. */
  free(): Promise<void>;
  unmount(): Promise<void>;
}

/**
 * Mounts a 64 KiB tmpfs. Without root it throws rather than letting the tests skip: CI runs as
 * root, and the tests that use /dev/full cover what can be checked without it.
 */
export async function mountSmallDisk(): Promise<SmallDisk> {
  if (process.getuid?.() !== 0)
    throw new Error(
      `the full-disk tests mount a tmpfs and need root${process.env.CI ? ' (CI must run them as root)' : ''}`,
    );
  const directory = await mkdtemp(join(tmpdir(), 'small-disk-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', directory]);
  const filler = join(directory, 'filler');
  return {
    directory,
    async fill() {
      let bytes = 0;
      for (;;) {
        try {
          await writeFile(filler, Buffer.alloc(bytes + 1024));
          bytes += 1024;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
          await writeFile(filler, Buffer.alloc(bytes)); // the failed write may have cut it short
          return;
        }
      }
    },
    free: () => rm(filler, { force: true }),
    async unmount() {
      execFileSync('umount', [directory]);
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/**
 * Hooks for a describe block of full-disk tests: mounts a small disk once, and before each test
 * gives space back and hands `ready` the disk and a fresh spool on it (folder not yet made).
 */
export function useSmallDiskSpool(
  ready: (disk: SmallDisk, spool: MetricSpool) => void | Promise<void>,
): void {
  let disk: SmallDisk | undefined;
  beforeAll(async () => {
    disk = await mountSmallDisk();
  });
  afterAll(() => disk?.unmount());
  beforeEach(async () => {
    await disk!.free();
    await rm(join(disk!.directory, 'spool'), { recursive: true, force: true });
    await ready(disk!, new MetricSpool(join(disk!.directory, 'spool')));
  });
}
