import { describe, expect, it } from 'vitest';
import {
  confusionMatrix,
  confusionMatrixProblem,
  MAX_CONFUSION_MATRIX_CLASSES,
  perClassAccuracy,
  worstClass,
} from './confusion-matrix.js';

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

  it('says what is wrong with a matrix a worker sends', () => {
    expect(confusionMatrixProblem(matrix, 3)).toBeNull();
    expect(confusionMatrixProblem(matrix, 4)).toMatch(/3 classes but the dataset has 4/);
    expect(confusionMatrixProblem({ ...matrix, counts: [[1, 2, 3]] }, 3)).toMatch(/3 rows of 3/);
    expect(
      confusionMatrixProblem(
        {
          ...matrix,
          counts: [
            [1, 0, 0],
            [0, -1, 0],
            [0, 0, 1],
          ],
        },
        3,
      ),
    ).toMatch(/whole numbers/);
    const wide = Array.from({ length: MAX_CONFUSION_MATRIX_CLASSES + 1 }, (_, i) => `c${i}`);
    expect(confusionMatrixProblem({ classNames: wide, counts: [] }, wide.length)).toMatch(
      /at most 200/,
    );
  });
});
