import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  batchPoints,
  MAX_METRIC_STEP,
  MAX_POINTS_PER_CALL,
  MetricInputError,
  parseKeyValues,
  parseMetricLines,
  parseMetricValue,
  type MetricPoint,
} from './metric-lines.js';

const key = fc
  .string({ minLength: 1, maxLength: 30 })
  .filter((k) => !['step', 'wallTime', 'key', '__proto__'].includes(k));
const step = fc.integer({ min: 0, max: MAX_METRIC_STEP });
// JSON has no −0: it reads back as 0.
const value = fc.double({ noNaN: true, noDefaultInfinity: true }).map((v) => (v === 0 ? 0 : v));
const wallTime = fc.option(fc.double({ min: 0, max: 4e9, noNaN: true }), { nil: undefined });

/** One line of either shape with the points it stands for. */
const line = fc.oneof(
  fc.record({ key, step, value, wallTime }).map((point) => {
    const record: MetricPoint = { key: point.key, step: point.step, value: point.value };
    if (point.wallTime !== undefined) record.wallTime = point.wallTime;
    return { text: JSON.stringify(record), points: [record] };
  }),
  fc
    .record({
      step,
      wallTime,
      metrics: fc.uniqueArray(fc.tuple(key, value), {
        minLength: 1,
        maxLength: 5,
        selector: ([name]) => name,
      }),
    })
    .map(({ step: s, wallTime: w, metrics }) => {
      const record: Record<string, number> = { step: s };
      if (w !== undefined) record.wallTime = w;
      for (const [name, v] of metrics) record[name] = v;
      const points = metrics.map(([name, v]) =>
        w === undefined
          ? { key: name, step: s, value: v }
          : { key: name, step: s, value: v, wallTime: w },
      );
      return { text: JSON.stringify(record), points };
    }),
);

const blank = fc.constantFrom('', '   ', '\t');

/** Lines that must be refused, each with a word the message must contain. */
const badLine = fc.oneof(
  fc.constant({ text: '{"step": 1, "loss": 0.5', word: 'JSON' }),
  fc.constant({ text: '{"step": 1, "loss": NaN}', word: 'NaN' }),
  fc.constant({ text: '[1, 2]', word: 'object' }),
  fc.constant({ text: '{"loss": 0.5}', word: 'step' }),
  fc.constant({ text: '{"step": 1}', word: 'no metric' }),
  fc.constant({ text: '{"step": 1, "key": "loss"}', word: 'value' }),
  fc.constant({ text: '{"step": 1, "key": "loss", "value": 1, "acc": 2}', word: 'unexpected' }),
  fc.constant({ text: '{"step": 1, "loss": 1e400}', word: 'finite' }),
  fc
    .integer({ min: -1000, max: -1 })
    .map((s) => ({ text: `{"step": ${s}, "loss": 1}`, word: 'step' })),
  fc
    .double({ min: 0.1, max: 1000, noNaN: true })
    .filter((s) => !Number.isInteger(s))
    .map((s) => ({ text: `{"step": ${s}, "loss": 1}`, word: 'integer' })),
  fc.string().map((s) => ({ text: JSON.stringify({ step: 1, loss: s }), word: 'number' })),
  fc.string({ minLength: 201, maxLength: 260 }).map((k) => ({
    text: JSON.stringify({ step: 1, [k]: 1 }),
    word: 'longer',
  })),
);

describe('parseMetricLines', () => {
  it('reads back every point of any mix of both shapes, line by line, skipping blank lines', () => {
    const byKey = (points: MetricPoint[]) =>
      [...points].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const blankLine = blank.map((text) => ({ text, points: [] as MetricPoint[] }));
    fc.assert(
      fc.property(
        fc.array(fc.oneof({ weight: 5, arbitrary: line }, { weight: 1, arbitrary: blankLine })),
        fc.boolean(),
        (lines, crlf) => {
          const text = lines.map((l) => l.text).join(crlf ? '\r\n' : '\n');
          // Lines keep their order; the metrics of one line (distinct keys) may come in any.
          expect(parseMetricLines(text)).toEqual(lines.flatMap((l) => parseMetricLines(l.text)));
          for (const l of lines) expect(byKey(parseMetricLines(l.text))).toEqual(byKey(l.points));
        },
      ),
    );
  });

  it('refuses the whole text when any line is bad, naming that line', () => {
    fc.assert(
      fc.property(fc.array(line, { maxLength: 20 }), badLine, fc.nat(), (good, bad, at) => {
        const position = at % (good.length + 1);
        const texts = good.map((l) => l.text);
        texts.splice(position, 0, bad.text);
        let error: unknown;
        try {
          parseMetricLines(texts.join('\n'));
        } catch (caught) {
          error = caught;
        }
        expect(error).toBeInstanceOf(MetricInputError);
        const { problems } = error as MetricInputError;
        expect(problems).toHaveLength(1);
        expect(problems[0].line).toBe(position + 1);
        expect(problems[0].message).toContain(bad.word);
        expect((error as Error).message).toContain(`line ${position + 1}:`);
      }),
    );
  });

  it('names every bad line, up to 20 in the message', () => {
    const text = Array.from({ length: 30 }, (_, i) =>
      i % 2 ? '{"step": 1, "loss": "x"}' : '{"step": 1, "loss": 1}',
    ).join('\n');
    const error = (() => {
      try {
        parseMetricLines(text);
      } catch (caught) {
        return caught as MetricInputError;
      }
    })()!;
    expect(error.problems.map((p) => p.line)).toEqual(
      Array.from({ length: 15 }, (_, i) => 2 * i + 2),
    );
    expect(error.message.split('\n')).toHaveLength(15);
  });

  it.each([
    [
      'a string value',
      '{"step": 0, "loss": "0.5"}',
      'the value of "loss" must be a number (got "0.5")',
    ],
    ['null', '{"step": 0, "loss": null}', 'must be a number (got null)'],
    ['a negative wallTime', '{"step": 0, "loss": 1, "wallTime": -5}', '"wallTime" must be ≥ 0'],
    ['a step past Int', `{"step": ${MAX_METRIC_STEP + 1}, "loss": 1}`, '"step" must be an integer'],
    ['an empty key', '{"step": 0, "key": "", "value": 1}', 'must not be empty'],
    ['a numeric key field', '{"step": 0, "key": 3, "value": 1}', '"key" must be a string'],
  ])('explains %s', (_name, text, message) => {
    expect(() => parseMetricLines(text)).toThrow(message);
  });
});

describe('parseKeyValues', () => {
  it('reads any finite number written by String() back exactly', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(
          key.filter((k) => !k.includes('=')),
          { minLength: 1, maxLength: 5 },
        ),
        fc.array(value, { minLength: 5, maxLength: 5 }),
        step,
        (keys, values, s) => {
          const pairs = keys.map((k, i) => `${k}=${String(values[i])}`);
          expect(parseKeyValues(pairs, s)).toEqual(
            keys.map((k, i) => ({ key: k, step: s, value: values[i] })),
          );
        },
      ),
    );
  });

  it.each([
    ['loss', 'expected key=value (got "loss")'],
    ['loss=', 'the value of "loss" must be a finite number (got "")'],
    ['loss=abc', 'the value of "loss" must be a finite number (got "abc")'],
    ['loss=NaN', 'the value of "loss" must be a finite number (got "NaN")'],
    ['loss=Infinity', 'the value of "loss" must be a finite number (got "Infinity")'],
    ['loss=0x10', 'the value of "loss" must be a finite number (got "0x10")'],
    ['loss=1e999', 'the value of "loss" must be a finite number (got "1e999")'],
    ['=1', 'a metric name must not be empty'],
  ])('refuses %s', (pair, message) => {
    expect(() => parseKeyValues(['acc=0.5', pair], 1)).toThrow(`argument 2: ${message}`);
  });

  it('refuses a key given twice and a bad step', () => {
    expect(() => parseKeyValues(['loss=1', 'loss=2'], 1)).toThrow('given twice');
    expect(() => parseKeyValues(['loss=1'], -1)).toThrow('"step" must be an integer');
  });
});

describe('parseMetricValue', () => {
  it.each([
    ['0.5', 0.5],
    ['-3', -3],
    ['1e-4', 1e-4],
    ['.25', 0.25],
    ['+2.', 2],
    ['', undefined],
    [' 1', undefined],
    ['1,5', undefined],
  ])('%j → %s', (text, expected) => {
    expect(parseMetricValue(text)).toBe(expected);
  });
});

describe('batchPoints', () => {
  it('cuts any list into ordered slices of at most the size, all but the last full', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(), { maxLength: 300 }),
        fc.integer({ min: 1, max: 50 }),
        (items, size) => {
          const batches = batchPoints(items, size);
          expect(batches.flat()).toEqual(items);
          expect(batches).toHaveLength(Math.ceil(items.length / size));
          batches.forEach((batch, i) => {
            expect(batch.length).toBeGreaterThan(0);
            if (i < batches.length - 1) expect(batch).toHaveLength(size);
            else expect(batch.length).toBeLessThanOrEqual(size);
          });
        },
      ),
    );
  });

  it('defaults to the API limit and refuses sizes past it', () => {
    const points = Array.from({ length: MAX_POINTS_PER_CALL * 2 + 1 }, (_, i) => i);
    expect(batchPoints(points).map((b) => b.length)).toEqual([
      MAX_POINTS_PER_CALL,
      MAX_POINTS_PER_CALL,
      1,
    ]);
    expect(() => batchPoints(points, MAX_POINTS_PER_CALL + 1)).toThrow(RangeError);
    expect(() => batchPoints(points, 0)).toThrow(RangeError);
  });
});
