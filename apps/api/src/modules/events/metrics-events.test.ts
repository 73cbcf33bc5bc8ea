import { describe, expect, it } from 'vitest';
import { metricsEvents, NOTIFY_PAYLOAD_BUDGET } from './events.service.js';

const RUN = '00000000-0000-4000-8000-000000000001';

describe('metricsEvents', () => {
  it('is one event for an ordinary batch', () => {
    expect(
      metricsEvents(RUN, [
        { key: 'loss', step: 1 },
        { key: 'loss', step: 2 },
        { key: 'val_accuracy', step: 2 },
      ]),
    ).toEqual([
      { type: 'metrics', runId: RUN, keys: ['loss', 'val_accuracy'], count: 3, maxStep: 2 },
    ]);
  });

  it('splits many long (multi-byte) keys so that every payload fits, losing none', () => {
    const keys = Array.from({ length: 300 }, (_, i) => `ключ-${i}-${'é'.repeat(120)}`);
    const points = keys.flatMap((key, i) => [
      { key, step: i },
      { key, step: i + 1000 },
    ]);
    const events = metricsEvents(RUN, points);
    expect(events.length).toBeGreaterThan(1);
    for (const event of events)
      expect(Buffer.byteLength(JSON.stringify(event))).toBeLessThanOrEqual(NOTIFY_PAYLOAD_BUDGET);
    expect(events.flatMap((event) => event.keys)).toEqual(keys);
    expect(events.reduce((sum, event) => sum + event.count, 0)).toBe(600);
    expect(Math.max(...events.map((event) => event.maxStep))).toBe(1299);
  });

  it('is nothing for an empty batch', () => {
    expect(metricsEvents(RUN, [])).toEqual([]);
  });
});
