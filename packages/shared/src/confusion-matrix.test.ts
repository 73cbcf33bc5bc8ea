import { describe, expect, it } from 'vitest';
import { confusionMatrix, perClassAccuracy, worstClass } from './confusion-matrix.js';

describe('confusion matrix', () => {
  const matrix = confusionMatrix(['cat', 'dog', 'owl'], [0, 0, 1, 1, 1, 2], [0, 1, 1, 1, 0, 2]);

  it('counts actual × predicted', () => {
    expect(matrix.counts).toEqual([
      [1, 1, 0],
      [1, 2, 0],
      [0, 0, 1],
    ]);
  });

  it('gives per-class accuracy and the worst class', () => {
    expect(perClassAccuracy(matrix)).toEqual([0.5, 2 / 3, 1]);
    expect(worstClass(matrix)).toEqual({ className: 'cat', accuracy: 0.5 });
  });

  it('leaves a class without samples out of the worst class', () => {
    const sparse = confusionMatrix(['a', 'b'], [1, 1], [1, 0]);
    expect(perClassAccuracy(sparse)).toEqual([null, 0.5]);
    expect(worstClass(sparse)).toEqual({ className: 'b', accuracy: 0.5 });
  });

  it('refuses indices outside the classes', () => {
    expect(() => confusionMatrix(['a', 'b'], [0, 2], [0, 1])).toThrow(/outside 0..1/);
    expect(() => confusionMatrix(['a'], [0], [])).toThrow(/1 labels but 0/);
  });
});
