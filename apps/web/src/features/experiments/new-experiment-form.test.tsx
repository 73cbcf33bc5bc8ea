import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NewExperimentForm } from './new-experiment-form';
import {
  countRuns,
  fineTuningAdvice,
  parseNumberList,
  suggestedFineTuneRate,
  sweepFormProblems,
} from './sweep-form-model';

afterEach(cleanup);

const models = [
  {
    id: 'model-1',
    name: 'small-cnn',
    architecture: 'cnn',
    layers: [
      { name: 'conv1', type: 'Conv2D', weightBearing: true },
      { name: 'pool1', type: 'MaxPooling2D', weightBearing: false },
      { name: 'conv2', type: 'Conv2D', weightBearing: true },
      { name: 'dense1', type: 'Dense', weightBearing: true },
      // The classifier: fine-tuning replaces it, so it is never offered as a frozen depth.
      { name: 'output', type: 'Dense', weightBearing: true },
    ],
  },
];
const datasets = [
  { id: 'dataset-1', name: 'digits 5–9', classNames: ['5', '6', '7', '8', '9'], trainSamples: 500 },
];

function renderForm() {
  const onSubmit = vi.fn();
  render(
    <NewExperimentForm
      projectId="project-1"
      models={models}
      datasets={datasets}
      submitting={false}
      onSubmit={onSubmit}
    />,
  );
  return onSubmit;
}

const runCount = () => screen.getByTestId('run-count').textContent;

describe('sweep arithmetic', () => {
  it.each([
    {
      frozenLayers: [0],
      learningRates: [0.001],
      seeds: [0],
      includeScratchBaseline: false,
      runs: 1,
    },
    {
      frozenLayers: [0, 1, 2],
      learningRates: [0.001, 0.01],
      seeds: [0, 1, 2],
      includeScratchBaseline: true,
      runs: 21,
    },
    {
      frozenLayers: [0, 0, 1],
      learningRates: [0.001],
      seeds: [],
      includeScratchBaseline: true,
      runs: 3,
    },
    { frozenLayers: [], learningRates: [0.001], seeds: [0], includeScratchBaseline: true, runs: 0 },
  ])(
    '$frozenLayers × $learningRates × $seeds (+scratch: $includeScratchBaseline) = $runs',
    (draft) => {
      expect(countRuns(draft)).toBe(draft.runs);
    },
  );

  it('parses lists and suggests a tenth of the scratch rate', () => {
    expect(parseNumberList('0.01, 1e-3 ;0.0001')).toEqual([0.01, 0.001, 0.0001]);
    expect(parseNumberList('0.01, abc')).toBeNull();
    expect(suggestedFineTuneRate(0.003)).toBe(0.0003);
  });
});

describe('the form asks the shared rule book', () => {
  const values = {
    frozenLayers: [0],
    learningRates: [0.001],
    seeds: [0],
    epochs: 5,
    batchSize: 32,
    includeScratchBaseline: true,
  };
  it.each([
    ['no frozen depth', { frozenLayers: [] }, 'choose at least one frozen depth'],
    ['an unreadable rate', { learningRates: null }, 'learning rates must be positive numbers'],
    ['a zero rate', { learningRates: [0] }, 'learning rates must be positive numbers'],
    ['a fractional seed', { seeds: [1.5] }, 'seeds must be whole numbers ≥ 0'],
    ['a negative seed', { seeds: [-1] }, 'seeds must be whole numbers ≥ 0'],
    [
      'an unreadable training-set size',
      { trainSamples: null },
      'training-set sizes must be whole numbers ≥ 1, none above the dataset’s',
    ],
    [
      'a training-set size above the dataset’s',
      { trainSamples: [100, 600] },
      'training-set sizes must be whole numbers ≥ 1, none above the dataset’s',
    ],
    ['1,001 epochs', { epochs: 1001 }, 'epochs must be an integer from 1 to 1000'],
    ['a batch of 4,097', { batchSize: 4097 }, 'batchSize must be an integer from 1 to 4096'],
    [
      'over 1,000 runs',
      { frozenLayers: [0, 1, 2], learningRates: [...Array(400).keys()].map((i) => (i + 1) / 1e4) },
      'at most 1000 runs per experiment',
    ],
  ])('%s', (_name, patch, message) => {
    expect(sweepFormProblems({ ...values, ...patch }, 3, 500)).toEqual([message]);
  });

  it('accepts an empty seed list (the default seed)', () => {
    expect(sweepFormProblems({ ...values, seeds: [] }, 3)).toEqual([]);
  });

  it('gives advice only once the rate, the dataset size and the layers are known', () => {
    expect(
      fineTuningAdvice({ scratchLearningRate: 0.01, trainSamples: 500, weightBearingLayers: 0 }),
    ).toBeNull();
    expect(
      fineTuningAdvice({ scratchLearningRate: 0.01, trainSamples: 20_000, weightBearingLayers: 3 }),
    ).toMatchObject({ frozenLayers: 0, learningRate: 0.001 });
    expect(
      fineTuningAdvice({ scratchLearningRate: 0, trainSamples: 500, weightBearingLayers: 3 }),
    ).toBeNull();
    expect(
      fineTuningAdvice({
        scratchLearningRate: 0.01,
        trainSamples: undefined,
        weightBearingLayers: 3,
      }),
    ).toBeNull();
  });
});

describe('NewExperimentForm', () => {
  it('advises a freeze depth for the dataset’s size and adds it on request', () => {
    renderForm();
    const advice = screen.getByTestId('fine-tuning-advice').textContent;
    expect(advice).toMatch(/freeze 3 of 3 weight-bearing layers at rate 0\.0001/);
    expect(advice).toMatch(/500 training samples is small/);
    fireEvent.click(screen.getByRole('button', { name: 'Add depth 3' }));
    expect(runCount()).toBe('9 runs will be created'); // 2 × 1 × 3 + 3
    expect(screen.queryByRole('button', { name: 'Add depth 3' })).toBeNull();
  });

  it('refuses epochs beyond the shared bound', () => {
    renderForm();
    fireEvent.change(screen.getByLabelText('Epochs'), { target: { value: '1001' } });
    expect(screen.getByText('epochs must be an integer from 1 to 1000')).toBeTruthy();
    expect((screen.getByRole('button', { name: /^Create/ }) as HTMLButtonElement).disabled).toBe(
      true,
    );
  });

  it('names the frozen layers of each depth from the model', () => {
    renderForm();
    expect(screen.getByLabelText('0 — nothing frozen')).toBeTruthy();
    expect(screen.getByLabelText('2 — conv1, conv2')).toBeTruthy();
    expect(screen.getByLabelText('3 — conv1, conv2, dense1')).toBeTruthy();
    expect(screen.queryByLabelText(/^4 —/)).toBeNull();
  });

  it('offers block boundaries instead of every depth for a deep network', () => {
    const layers = [1, 2, 3, 4, 5].flatMap((block) =>
      [
        'expand',
        'expand_BN',
        'depthwise',
        'depthwise_BN',
        'project',
        'project_BN',
        'extra',
        'extra_BN',
      ].map((part) => ({ name: `block_${block}_${part}`, type: 'Conv2D', weightBearing: true })),
    );
    layers.push({ name: 'predictions', type: 'Dense', weightBearing: true });
    const deep = [{ ...models[0], id: 'model-deep', layers }];
    render(
      <NewExperimentForm
        projectId="project-1"
        models={deep}
        datasets={datasets}
        submitting={false}
        onSubmit={() => {}}
      />,
    );
    const depths = screen
      .getAllByRole('checkbox', { name: /^\d+ —/ })
      .map((box) => (box as HTMLInputElement).value);
    expect(depths).toEqual(['0', '8', '16', '24', '32', '40']);
    expect(screen.getByLabelText('16 — up to the end of block_2')).toBeTruthy();
  });

  it('shows the number of runs before submitting, as the choices change', () => {
    renderForm();
    expect(runCount()).toBe('6 runs will be created'); // 1 × 1 × 3 + 3 scratch
    fireEvent.click(screen.getByLabelText('1 — conv1'));
    fireEvent.click(screen.getByLabelText('2 — conv1, conv2'));
    expect(runCount()).toBe('12 runs will be created'); // 3 × 1 × 3 + 3
    fireEvent.click(screen.getByRole('button', { name: 'Add 0.0001' }));
    fireEvent.change(screen.getByLabelText('From-scratch learning rate'), {
      target: { value: '0.01' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Add 0.001' }));
    expect(
      (screen.getByLabelText('Fine-tuning learning rates (comma-separated)') as HTMLInputElement)
        .value,
    ).toBe('0.0001, 0.001');
    expect(runCount()).toBe('21 runs will be created'); // 3 × 2 × 3 + 3
    fireEvent.click(screen.getByLabelText('Train a from-scratch baseline (one run per seed)'));
    expect(runCount()).toBe('18 runs will be created');
    fireEvent.change(screen.getByLabelText('Seeds (comma-separated)'), { target: { value: '7' } });
    expect(runCount()).toBe('6 runs will be created');
  });

  it('refuses bad input and explains why', () => {
    const onSubmit = renderForm();
    fireEvent.change(screen.getByLabelText('Fine-tuning learning rates (comma-separated)'), {
      target: { value: '0.01, -1' },
    });
    expect(screen.getByText('learning rates must be positive numbers')).toBeTruthy();
    const submit = screen.getByRole('button', { name: /^Create/ }) as HTMLButtonElement;
    expect(submit.disabled).toBe(true);
    fireEvent.submit(submit.closest('form')!);
    expect(onSubmit).not.toHaveBeenCalled();
  });

  it('submits the sweep the API expects', () => {
    const onSubmit = renderForm();
    fireEvent.click(screen.getByLabelText('2 — conv1, conv2'));
    fireEvent.change(screen.getByLabelText('Epochs'), { target: { value: '3' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create 9 runs' }));
    expect(onSubmit).toHaveBeenCalledWith({
      projectId: 'project-1',
      sourceModelId: 'model-1',
      targetDatasetId: 'dataset-1',
      name: undefined,
      sweep: {
        frozenLayers: [0, 2],
        learningRates: [0.0001],
        seeds: [0, 1, 2],
        epochs: 3,
        batchSize: 32,
        optimizer: 'ADAM',
        includeScratchBaseline: true,
        scratchLearningRate: 0.001,
      },
    });
  });

  it('submits training-set sizes, ascending, and counts a grid per size', () => {
    const onSubmit = renderForm();
    fireEvent.change(screen.getByLabelText(/Training-set sizes/), {
      target: { value: '500, 100' },
    });
    // 1 depth × 1 rate × 3 seeds + 3 scratch, twice.
    fireEvent.click(screen.getByRole('button', { name: 'Create 12 runs' }));
    expect(onSubmit.mock.calls[0]![0].sweep).toMatchObject({ trainSamples: [100, 500] });
  });

  it('refuses a training-set size larger than the dataset', () => {
    const onSubmit = renderForm();
    fireEvent.change(screen.getByLabelText(/Training-set sizes/), { target: { value: '1000' } });
    fireEvent.submit(screen.getByLabelText(/Training-set sizes/).closest('form')!);
    expect(onSubmit).not.toHaveBeenCalled();
    expect(screen.getByText(/none above the dataset’s/)).toBeTruthy();
  });
});
