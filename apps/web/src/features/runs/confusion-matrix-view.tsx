import { textColourOn, viridis } from '../experiments/grid-model';
import { formatNumber } from '../ui/format';

interface Matrix {
  classNames: string[];
  counts: number[][];
  perClassAccuracy: (number | null)[];
}

/**
 * The final model's confusion matrix on the validation set: a row per actual class, a column
 * per predicted class, each cell shaded by the share of its row (so a small class's mistakes
 * show as clearly as a large one's), with the class's accuracy at the end of its row.
 */
export function ConfusionMatrixView({ matrix }: { matrix: Matrix }) {
  const { classNames, counts, perClassAccuracy } = matrix;
  return (
    <section aria-labelledby="confusion-matrix">
      <h2 id="confusion-matrix">Confusion matrix (validation)</h2>
      <div className="table-scroll">
        <table className="confusion" data-testid="confusion-matrix">
          <thead>
            <tr>
              <th scope="col">actual ↓ / predicted →</th>
              {classNames.map((name) => (
                <th key={name} scope="col">
                  {name}
                </th>
              ))}
              <th scope="col">accuracy</th>
            </tr>
          </thead>
          <tbody>
            {counts.map((row, i) => {
              const total = row.reduce((sum, count) => sum + count, 0);
              return (
                <tr key={classNames[i]}>
                  <th scope="row">{classNames[i]}</th>
                  {row.map((count, j) => {
                    const share = total === 0 ? 0 : count / total;
                    return (
                      <td
                        key={classNames[j]}
                        data-testid="confusion-cell"
                        title={`${count} of ${total} ${classNames[i]} predicted as ${classNames[j]}`}
                        style={{ background: viridis(share), color: textColourOn(share) }}
                      >
                        {count}
                      </td>
                    );
                  })}
                  <td>{perClassAccuracy[i] === null ? '—' : formatNumber(perClassAccuracy[i]!)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
