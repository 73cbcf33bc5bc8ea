// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { buildRun } from '@/test-utils/run-factory';
import {
  differingColumns,
  filterRuns,
  parseFilter,
  RUN_COLUMNS,
  runsToCsv,
  sortRuns,
} from './runs-table-model';

const column = (id: string) => RUN_COLUMNS.find((candidate) => candidate.id === id)!;

describe('parseFilter', () => {
  it.each([
    { text: '', value: 3, numeric: true, matches: true },
    { text: '>0.9', value: 0.95, numeric: true, matches: true },
    { text: '>0.9', value: 0.9, numeric: true, matches: false },
    { text: '>=0.9', value: 0.9, numeric: true, matches: true },
    { text: '<3', value: 2, numeric: true, matches: true },
    { text: '<=3', value: 4, numeric: true, matches: false },
    { text: '!=0', value: 0, numeric: true, matches: false },
    { text: '2', value: 2, numeric: true, matches: true },
    { text: '= 1e-3', value: 0.001, numeric: true, matches: true },
    { text: '1e-4..1e-3', value: 0.0005, numeric: true, matches: true },
    { text: '1e-4..1e-3', value: 0.01, numeric: true, matches: false },
    { text: '..2', value: 1, numeric: true, matches: true },
    { text: '>0.5', value: null, numeric: true, matches: false },
    { text: 'abc', value: 1, numeric: true, matches: false },
    { text: 'succ', value: 'SUCCEEDED', numeric: false, matches: true },
    { text: 'fail', value: 'SUCCEEDED', numeric: false, matches: false },
  ])('"$text" on $value → $matches', ({ text, value, numeric, matches }) => {
    expect(parseFilter(text, numeric)(value)).toBe(matches);
  });
});

describe('filterRuns and sortRuns', () => {
  const runs = [
    buildRun({ frozenLayers: 2, bestValAccuracy: 0.8, status: 'SUCCEEDED' }),
    buildRun({ frozenLayers: 0, bestValAccuracy: null, status: 'FAILED' }),
    buildRun({ frozenLayers: 1, bestValAccuracy: 0.9, status: 'SUCCEEDED' }),
  ];

  it('combines filters on several columns', () => {
    expect(filterRuns(runs, { frozenLayers: '>=1', status: 'succ' })).toHaveLength(2);
    expect(
      filterRuns(runs, { frozenLayers: '>=1', bestValAccuracy: '>0.85' }).map(
        (r) => r.frozenLayers,
      ),
    ).toEqual([1]);
  });

  it('sorts both ways with empty values last', () => {
    expect(sortRuns(runs, 'bestValAccuracy', 'asc').map((r) => r.bestValAccuracy)).toEqual([
      0.8,
      0.9,
      null,
    ]);
    expect(sortRuns(runs, 'bestValAccuracy', 'desc').map((r) => r.bestValAccuracy)).toEqual([
      0.9,
      0.8,
      null,
    ]);
    expect(sortRuns(runs, 'status', 'asc').map((r) => r.status)).toEqual([
      'FAILED',
      'SUCCEEDED',
      'SUCCEEDED',
    ]);
    expect(sortRuns(runs, null, 'asc')).toEqual(runs);
  });
});

describe('differingColumns', () => {
  it('keeps only columns whose values differ', () => {
    const runs = [
      buildRun({ seed: 0, learningRate: 0.01 }),
      buildRun({ seed: 1, learningRate: 0.01 }),
    ];
    const ids = differingColumns(runs, [
      column('seed'),
      column('learningRate'),
      column('epochs'),
    ]).map((c) => c.id);
    expect(ids).toEqual(['seed']);
  });
});

describe('runsToCsv', () => {
  it('writes a header of column ids and raw values, quoting and defusing formulas', () => {
    const runs = [
      buildRun({ learningRate: 0.0001, backend: 'wasm, simd', bestValAccuracy: 0.91234567 }),
      buildRun({ backend: '=HYPERLINK("x")', bestValAccuracy: null }),
    ];
    const csv = runsToCsv(runs, [
      column('learningRate'),
      column('backend'),
      column('bestValAccuracy'),
    ]);
    expect(csv.split('\r\n')).toEqual([
      'learningRate,backend,bestValAccuracy',
      '0.0001,"wasm, simd",0.91234567',
      `0.001,"'=HYPERLINK(""x"")",`,
      '',
    ]);
  });
});
