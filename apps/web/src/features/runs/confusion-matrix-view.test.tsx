import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfusionMatrixView } from './confusion-matrix-view';

afterEach(cleanup);

describe('ConfusionMatrixView', () => {
  it('draws actual × predicted with each class’s accuracy', () => {
    render(
      <ConfusionMatrixView
        matrix={{
          classNames: ['cat', 'dog'],
          counts: [
            [9, 1],
            [0, 0],
          ],
          perClassAccuracy: [0.9, null],
        }}
      />,
    );
    const cells = screen.getAllByTestId('confusion-cell');
    expect(cells.map((cell) => cell.textContent)).toEqual(['9', '1', '0', '0']);
    expect(cells[1]!.getAttribute('title')).toBe('1 of 10 cat predicted as dog');
    const rows = screen.getByTestId('confusion-matrix').querySelectorAll('tbody tr');
    expect(rows[0]!.lastElementChild!.textContent).toBe('0.9');
    expect(rows[1]!.lastElementChild!.textContent).toBe('—');
  });
});
