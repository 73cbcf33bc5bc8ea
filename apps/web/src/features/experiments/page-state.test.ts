// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { parseView, serializeView } from './page-state';

describe('experiment view in the URL', () => {
  it('has short defaults', () => {
    const view = parseView(new URLSearchParams(''));
    expect(view).toEqual({
      metric: 'val_accuracy:BEST',
      cells: [],
      runs: [],
      group: 'none',
      x: 'step',
      log: false,
      curve: 'val_accuracy',
      diff: false,
      target: 0.9,
      size: null,
    });
    expect(serializeView(view)).toBe('');
  });

  it('round-trips every setting', () => {
    const query =
      'metric=val_loss%3ALAST&cells=0_0.001%2C2_0.01&runs=r1&group=learningRate&x=wall&log=1&curve=loss&diff=1&target=0.95&size=100';
    const view = parseView(new URLSearchParams(query));
    expect(view.cells).toEqual(['0_0.001', '2_0.01']);
    expect(view.size).toBe(100);
    expect(parseView(new URLSearchParams(serializeView(view)))).toEqual(view);
  });

  it('ignores unknown values instead of breaking the page', () => {
    const view = parseView(
      new URLSearchParams('metric=nope&group=colour&x=time&curve=drop%20table&size=-3'),
    );
    expect(view.size).toBeNull();
    expect([view.metric, view.group, view.x, view.curve]).toEqual([
      'val_accuracy:BEST',
      'none',
      'step',
      'val_accuracy',
    ]);
  });
});
