import { describe, expect, it } from 'vitest';
import { SUBSCRIPTION_RECHECK_MS, whileAllowed } from './subscription-access.js';

async function* numbers(count: number) {
  for (let index = 1; index <= count; index++) yield index;
}

describe('whileAllowed', () => {
  it('checks again after SUBSCRIPTION_RECHECK_MS or when the access version moves', async () => {
    let now = 0;
    let version = 0;
    let checks = 0;
    const sut = whileAllowed(
      numbers(4),
      async () => void (checks += 1),
      { recheck: async () => ({ viewer: null, roles: new Map() }), version: () => version },
      () => now,
    );
    expect((await sut.next()).value).toBe(1);
    expect(checks).toBe(0); // checked when subscribing
    now = SUBSCRIPTION_RECHECK_MS;
    expect((await sut.next()).value).toBe(2);
    expect(checks).toBe(1);
    version = 1;
    expect((await sut.next()).value).toBe(3);
    expect(checks).toBe(2);
    expect((await sut.next()).value).toBe(4);
    expect(checks).toBe(2);
  });

  it('ends the source and throws the check’s error when access is gone', async () => {
    let ended = false;
    const source = numbers(3);
    const original = source.return.bind(source);
    source.return = (value) => {
      ended = true;
      return original(value);
    };
    let version = 0;
    const sut = whileAllowed(
      source,
      async () => {
        throw new Error('NOT_FOUND');
      },
      // An access change arrives after subscribing.
      { recheck: async () => ({ viewer: null, roles: new Map() }), version: () => version++ },
    );
    await expect(sut.next()).rejects.toThrow('NOT_FOUND');
    expect(ended).toBe(true);
  });
});
