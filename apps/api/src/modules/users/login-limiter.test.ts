import { describe, expect, it } from 'vitest';
import { FailureCounter } from './login-limiter.js';

describe('FailureCounter', () => {
  it('blocks a key after `limit` failures until the window has passed', () => {
    let now = 0;
    const sut = new FailureCounter(3, 1000, 100, () => now);
    for (let i = 0; i < 3; i++) {
      expect(sut.blocked('a')).toBe(false);
      sut.fail('a');
    }
    expect(sut.blocked('a')).toBe(true);
    expect(sut.blocked('b')).toBe(false);
    now = 1001;
    expect(sut.blocked('a')).toBe(false);
  });

  it("says how many whole seconds are left of a key's window", () => {
    let now = 0;
    const sut = new FailureCounter(1, 10_000, 100, () => now);
    sut.fail('a');
    expect(sut.retryAfterSeconds('a')).toBe(10);
    now = 8_400;
    expect(sut.retryAfterSeconds('a')).toBe(2);
    now = 9_999;
    expect(sut.retryAfterSeconds('a')).toBe(1);
    expect(sut.retryAfterSeconds('never-seen')).toBe(1);
  });

  it('takes one attempt back when forgiven, never below zero', () => {
    const sut = new FailureCounter(2, 1000);
    sut.fail('a');
    sut.fail('a');
    expect(sut.blocked('a')).toBe(true);
    sut.forgive('a');
    expect(sut.blocked('a')).toBe(false);
    sut.forgive('a');
    sut.forgive('a');
    sut.fail('a');
    expect(sut.blocked('a')).toBe(false);
    sut.forgive('never-seen');
    expect(sut.size).toBe(1);
  });

  it('forgets a key when cleared', () => {
    const sut = new FailureCounter(1, 1000);
    sut.fail('a');
    expect(sut.blocked('a')).toBe(true);
    sut.clear('a');
    expect(sut.blocked('a')).toBe(false);
  });

  it('keeps at most maxKeys entries, dropping expired and then the oldest', () => {
    let now = 0;
    const sut = new FailureCounter(1, 1000, 3, () => now);
    sut.fail('old');
    now = 500;
    sut.fail('b');
    sut.fail('c');
    now = 1200; // 'old' has expired
    sut.fail('d');
    expect(sut.size).toBe(3);
    sut.fail('e'); // nothing expired: the oldest ('b') goes
    expect(sut.size).toBe(3);
    expect(sut.blocked('b')).toBe(false);
    expect(sut.blocked('c')).toBe(true);
    expect(sut.blocked('e')).toBe(true);
  });
});
