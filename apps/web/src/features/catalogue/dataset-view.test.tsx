import { cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DatasetView,
  ExperimentLinks,
  thumbnailsByClass,
  type DatasetViewData,
} from './dataset-view';

afterEach(cleanup);

const thumbnail = (className: string, index: number) => ({
  className,
  url: `/dataset-files/d2/thumbnails/${index}`,
});

/** The experiments of each version, as the page's per-version query finds them. */
const EXPERIMENTS: Record<string, { id: string; name: string }[]> = {
  d1: [
    { id: 'e1', name: 'first sweep' },
    { id: 'e2', name: 'second sweep' },
  ],
  d2: [],
};
const experimentsOf = (versionId: string) => (
  <ExperimentLinks experiments={EXPERIMENTS[versionId]} />
);

const DATASET: DatasetViewData = {
  id: 'd2',
  name: 'chairs',
  version: 2,
  spec: { kind: 'archive' },
  classNames: ['armchair', 'stool'],
  trainSamples: 90,
  validationSamples: 22,
  contentHash: 'ab'.repeat(32),
  createdAt: '2026-12-01T10:00:00.000Z',
  classCounts: [
    { className: 'armchair', train: 60, validation: 15 },
    { className: 'stool', train: 30, validation: 7 },
  ],
  thumbnails: [
    ...[0, 1, 2, 3, 4].map((index) => thumbnail('armchair', index)),
    thumbnail('stool', 5),
  ],
  versions: [
    {
      id: 'd1',
      version: 1,
      createdAt: '2026-11-30T10:00:00.000Z',
      trainSamples: 40,
      validationSamples: 10,
      contentHash: 'cd'.repeat(32),
    },
    {
      id: 'd2',
      version: 2,
      createdAt: '2026-12-01T10:00:00.000Z',
      trainSamples: 90,
      validationSamples: 22,
      contentHash: 'ab'.repeat(32),
    },
  ],
};

describe('DatasetView', () => {
  it('draws one stacked bar per class with its counts', () => {
    render(<DatasetView dataset={DATASET} experimentsOf={experimentsOf} />);
    const bars = screen.getAllByTestId('class-bar');
    expect(bars.map((bar) => bar.getAttribute('data-class'))).toEqual(['armchair', 'stool']);
    expect(bars[0].querySelector('title')!.textContent).toBe('armchair: 60 train, 15 validation');
    const [trainRect, validationRect] = bars[1].querySelectorAll('rect');
    // stool's train bar is half of armchair's.
    const armchairTrain = Number(bars[0].querySelector('rect')!.getAttribute('width'));
    expect(Number(trainRect.getAttribute('width'))).toBeCloseTo(armchairTrain / 2);
    expect(Number(validationRect.getAttribute('x'))).toBeCloseTo(
      Number(trainRect.getAttribute('x')) + Number(trainRect.getAttribute('width')),
    );
  });

  it('shows at most four thumbnails per class', () => {
    render(<DatasetView dataset={DATASET} experimentsOf={experimentsOf} />);
    const [armchair, stool] = screen.getAllByTestId('thumbnail-class');
    expect(within(armchair).getAllByRole('img')).toHaveLength(4);
    expect(within(stool).getByRole('img').getAttribute('src')).toBe(
      '/dataset-files/d2/thumbnails/5',
    );
  });

  it('lists the versions, newest first, with the experiments that used each', () => {
    render(<DatasetView dataset={DATASET} experimentsOf={experimentsOf} />);
    const [current, older] = screen.getAllByTestId('dataset-version');
    expect(within(current).getByText('v2')).toBeTruthy();
    expect(within(current).queryByRole('link')).toBeNull();
    expect(within(older).getByRole('link', { name: 'v1' }).getAttribute('href')).toBe(
      '/datasets/d1',
    );
    expect(
      within(older)
        .getAllByRole('link')
        .slice(1)
        .map((link) => [link.textContent, link.getAttribute('href')]),
    ).toEqual([
      ['first sweep', '/experiments/e1'],
      ['second sweep', '/experiments/e2'],
    ]);
  });

  it('says so when a built-in dataset has no thumbnails', () => {
    render(
      <DatasetView
        dataset={{ ...DATASET, thumbnails: [], spec: { kind: 'mnist' } }}
        experimentsOf={experimentsOf}
      />,
    );
    expect(screen.getByText(/No thumbnails for this dataset/)).toBeTruthy();
  });

  it('groups thumbnails in class order', () => {
    expect(thumbnailsByClass(['b', 'a'], [thumbnail('a', 0), thumbnail('b', 1)])).toEqual([
      { className: 'b', urls: ['/dataset-files/d2/thumbnails/1'] },
      { className: 'a', urls: ['/dataset-files/d2/thumbnails/0'] },
    ]);
  });
});
