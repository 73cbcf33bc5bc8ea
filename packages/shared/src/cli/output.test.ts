import { describe, expect, it } from 'vitest';
import { formatCsv, formatNumber, formatTable } from './output.js';

describe('output', () => {
  it('quotes CSV fields with commas, quotes and line breaks and keeps full precision', () => {
    expect(
      formatCsv(
        ['name', 'value', 'missing'],
        [
          ['a, "b"', 0.123456789, null],
          ['two\nlines', 1e-4, true],
        ],
      ),
    ).toBe('name,value,missing\n"a, ""b""",0.123456789,\n"two\nlines",0.0001,true');
  });

  it('aligns tables, numbers to the right, nulls as "-"', () => {
    expect(
      formatTable(
        ['id', 'acc'],
        [
          ['a', 0.91234],
          ['bbb', null],
        ],
      ),
    ).toBe('id      acc\na    0.9123\nbbb       -');
  });

  it.each([
    [3, '3'],
    [0.0001, '0.0001'],
    [0.912345, '0.9123'],
    [1234.5678, '1235'],
  ])('formatNumber(%s) = %s', (value, text) => {
    expect(formatNumber(value)).toBe(text);
  });
});
