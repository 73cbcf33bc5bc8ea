import { describe, expect, it } from 'vitest';
import { copyText, runLockKey } from './metric-ingest.sql.js';
import { preparePoints } from './metrics.validation.js';

describe('copyText', () => {
  it('escapes the characters COPY treats specially', () => {
    const columns = preparePoints([{ key: 'a\tb\\c', step: 1, value: 0.5, wallTime: 2 }], 0);
    expect(copyText('r', columns)).toBe('r\ta\\tb\\\\c\t1\t0.5\t2\n');
  });
});

describe('runLockKey', () => {
  it('is a stable integer that fits a bigint', () => {
    const key = runLockKey('ffffffff-ffff-4fff-bfff-ffffffffffff');
    expect(BigInt(key) < 2n ** 63n).toBe(true);
    expect(runLockKey('00000000-0000-4000-8000-000000000001')).toBe(
      runLockKey('00000000-0000-4000-8000-000000000001'),
    );
  });
});
