'use client';

import { useMemo, useState, type FormEvent } from 'react';
import {
  BATCH_SIZE,
  EPOCHS,
  freezableLayers,
  frozenDepthChoices,
  learningRateListProblem,
  learningRateProblem,
  seedListProblem,
} from '@finetrack/shared';
import type { CreateExperimentInput, Optimizer } from '@/gql/graphql';
import { NameField } from '../ui/name-field';
import { FormError } from '../ui/states';
import {
  AugmentationFieldset,
  NO_AUGMENTATION_DRAFT,
  type AugmentationDraft,
} from './augmentation-fieldset';
import {
  augmentationToSubmit,
  countRuns,
  fineTuningAdvice,
  parseAugmentation,
  parseNumberList,
  suggestedFineTuneRate,
  sweepFormProblems,
} from './sweep-form-model';

export interface ModelOption {
  id: string;
  name: string;
  architecture: string;
  layers: { name: string; type: string; weightBearing: boolean }[];
}

export interface DatasetOption {
  id: string;
  name: string;
  classNames: string[];
  /** Training samples, for the fine-tuning advice. */
  trainSamples?: number;
}

interface NewExperimentFormProps {
  projectId: string;
  models: ModelOption[];
  datasets: DatasetOption[];
  submitting: boolean;
  error?: string;
  onSubmit(input: CreateExperimentInput): void;
  /** Told when another source model is chosen (its layers may have to be fetched). */
  onModelChange?(modelId: string): void;
  /** Told when another target dataset is chosen (the page scores source models against it). */
  onDatasetChange?(datasetId: string): void;
}

export function NewExperimentForm({
  projectId,
  models,
  datasets,
  submitting,
  error,
  onSubmit,
  onModelChange,
  onDatasetChange,
}: NewExperimentFormProps) {
  const [modelId, setModelId] = useState(models[0]?.id ?? '');
  const [datasetId, setDatasetId] = useState(datasets[0]?.id ?? '');
  const [name, setName] = useState('');
  const [frozen, setFrozen] = useState<ReadonlySet<number>>(new Set([0]));
  const [scratchRate, setScratchRate] = useState('0.001');
  const [ratesText, setRatesText] = useState('0.0001');
  const [seedsText, setSeedsText] = useState('0, 1, 2');
  const [sizesText, setSizesText] = useState('');
  const [epochs, setEpochs] = useState(5);
  const [batchSize, setBatchSize] = useState(32);
  const [optimizer, setOptimizer] = useState<Optimizer>('ADAM');
  const [scratchBaseline, setScratchBaseline] = useState(true);
  const [augmentationDraft, setAugmentationDraft] =
    useState<AugmentationDraft>(NO_AUGMENTATION_DRAFT);
  const augmentation = parseAugmentation(augmentationDraft);

  const model = models.find((candidate) => candidate.id === modelId);
  // Only the layers the trainer keeps below the classifier can be frozen.
  const weightLayers = useMemo(() => freezableLayers(model?.layers ?? []), [model]);
  const depthChoices = useMemo(() => frozenDepthChoices(model?.layers ?? []), [model]);
  const rates = parseNumberList(ratesText);
  const seeds = parseNumberList(seedsText);
  const sizes = parseNumberList(sizesText);
  const dataset = datasets.find((candidate) => candidate.id === datasetId);
  const scratch = Number(scratchRate);
  const scratchValid = learningRateProblem(scratch) === null;
  const suggestion = scratchValid ? suggestedFineTuneRate(scratch) : null;
  const ruleProblems = sweepFormProblems(
    {
      frozenLayers: [...frozen],
      learningRates: rates,
      seeds,
      trainSamples: sizes,
      epochs,
      batchSize,
      includeScratchBaseline: scratchBaseline,
      augmentation,
    },
    weightLayers.length,
    dataset?.trainSamples ? dataset.trainSamples : undefined,
  );
  const ratesValid = rates !== null && learningRateListProblem(rates) === null;
  const seedsValid = seeds !== null && (seeds.length === 0 || seedListProblem(seeds) === null);
  const runCount = countRuns({
    frozenLayers: [...frozen],
    learningRates: ratesValid ? rates : [],
    seeds: seedsValid ? seeds : [],
    trainSamples: sizes ?? [],
    includeScratchBaseline: scratchBaseline,
  });
  const problems = [
    !modelId && 'choose a source model',
    !datasetId && 'choose a target dataset',
    ...ruleProblems,
  ].filter((problem): problem is string => typeof problem === 'string');
  const advice = fineTuningAdvice({
    scratchLearningRate: scratch,
    trainSamples: dataset?.trainSamples,
    weightBearingLayers: weightLayers.length,
  });

  function toggleDepth(depth: number) {
    const next = new Set(frozen);
    if (next.has(depth)) next.delete(depth);
    else next.add(depth);
    setFrozen(next);
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    if (problems.length > 0 || !rates || !seeds || !sizes) return;
    onSubmit({
      projectId,
      sourceModelId: modelId,
      targetDatasetId: datasetId,
      name: name.trim() || undefined,
      sweep: {
        frozenLayers: [...frozen].sort((a, b) => a - b),
        learningRates: [...new Set(rates)],
        seeds: seeds.length > 0 ? [...new Set(seeds)] : undefined,
        trainSamples: sizes.length > 0 ? [...new Set(sizes)].sort((a, b) => a - b) : undefined,
        epochs,
        batchSize,
        optimizer,
        includeScratchBaseline: scratchBaseline,
        scratchLearningRate: scratchBaseline && scratchValid ? scratch : undefined,
        augmentation: augmentationToSubmit(augmentation),
      },
    });
  }

  return (
    <form className="form" onSubmit={submit} aria-label="New experiment">
      <NameField label="Name (optional)" name="name" value={name} onChange={setName} optional />
      <label>
        Source model
        <select
          name="sourceModel"
          value={modelId}
          onChange={(e) => {
            setModelId(e.target.value);
            setFrozen(new Set([0]));
            onModelChange?.(e.target.value);
          }}
        >
          {models.map((candidate) => (
            <option key={candidate.id} value={candidate.id}>
              {candidate.name} ({candidate.architecture})
            </option>
          ))}
        </select>
      </label>
      <label>
        Target dataset
        <select
          name="targetDataset"
          value={datasetId}
          onChange={(e) => {
            setDatasetId(e.target.value);
            onDatasetChange?.(e.target.value);
          }}
        >
          {datasets.map((candidate) => (
            <option key={candidate.id} value={candidate.id}>
              {candidate.name} ({candidate.classNames.length} classes)
            </option>
          ))}
        </select>
      </label>
      <fieldset>
        <legend>Frozen-layer depths (weight-bearing layers frozen from the input)</legend>
        {depthChoices.map(({ depth, label }) => (
          <label key={depth} className="checkbox">
            <input
              type="checkbox"
              name="frozenLayers"
              value={depth}
              checked={frozen.has(depth)}
              onChange={() => toggleDepth(depth)}
            />{' '}
            {label}
          </label>
        ))}
      </fieldset>
      <label>
        From-scratch learning rate
        <input
          name="scratchLearningRate"
          inputMode="decimal"
          value={scratchRate}
          onChange={(e) => setScratchRate(e.target.value)}
        />
      </label>
      <label>
        Fine-tuning learning rates (comma-separated)
        <input
          name="learningRates"
          inputMode="decimal"
          value={ratesText}
          onChange={(e) => setRatesText(e.target.value)}
          aria-describedby="rate-hint"
        />
      </label>
      <p id="rate-hint" className="muted">
        {suggestion !== null ? (
          <>
            Suggested: one tenth of the from-scratch rate, {suggestion}.{' '}
            <button
              type="button"
              onClick={() =>
                setRatesText(
                  rates && !rates.includes(suggestion)
                    ? [...rates, suggestion].join(', ')
                    : String(suggestion),
                )
              }
            >
              Add {suggestion}
            </button>
          </>
        ) : (
          'Enter the from-scratch rate to get a suggestion.'
        )}
      </p>
      {advice ? (
        <p data-testid="fine-tuning-advice" className="muted">
          Advice for this dataset: freeze {advice.frozenLayers} of {weightLayers.length}{' '}
          weight-bearing layers at rate {Number(advice.learningRate.toPrecision(3))} (
          {advice.reason}
          ).{' '}
          {frozen.has(advice.frozenLayers) ? null : (
            <button type="button" onClick={() => toggleDepth(advice.frozenLayers)}>
              Add depth {advice.frozenLayers}
            </button>
          )}
        </p>
      ) : null}
      <label>
        Seeds (comma-separated)
        <input name="seeds" value={seedsText} onChange={(e) => setSeedsText(e.target.value)} />
      </label>
      <label>
        Training-set sizes (optional, comma-separated: one grid per size, nested subsets)
        <input
          name="trainSamples"
          value={sizesText}
          placeholder={dataset ? `all ${dataset.trainSamples}` : 'all'}
          onChange={(e) => setSizesText(e.target.value)}
        />
      </label>
      <label>
        Epochs
        <input
          name="epochs"
          type="number"
          min={EPOCHS.min}
          max={EPOCHS.max}
          value={epochs}
          onChange={(e) => setEpochs(Number(e.target.value))}
        />
      </label>
      <label>
        Batch size
        <input
          name="batchSize"
          type="number"
          min={BATCH_SIZE.min}
          max={BATCH_SIZE.max}
          value={batchSize}
          onChange={(e) => setBatchSize(Number(e.target.value))}
        />
      </label>
      <label>
        Optimizer
        <select
          name="optimizer"
          value={optimizer}
          onChange={(e) => setOptimizer(e.target.value as Optimizer)}
        >
          <option value="ADAM">Adam</option>
          <option value="SGD">SGD</option>
          <option value="MOMENTUM">SGD with momentum</option>
        </select>
      </label>
      <AugmentationFieldset
        value={augmentationDraft}
        onChange={setAugmentationDraft}
        anyFrozen={[...frozen].some((depth) => depth > 0)}
      />
      <label className="checkbox">
        <input
          type="checkbox"
          name="includeScratchBaseline"
          checked={scratchBaseline}
          onChange={(e) => setScratchBaseline(e.target.checked)}
        />{' '}
        Train a from-scratch baseline (one run per seed)
      </label>
      <p data-testid="run-count" aria-live="polite">
        <strong>{runCount}</strong> runs will be created
      </p>
      {problems.length > 0 ? (
        <ul className="form-error">
          {problems.map((problem) => (
            <li key={problem}>{problem}</li>
          ))}
        </ul>
      ) : null}
      <FormError error={error} />
      <button type="submit" disabled={submitting || problems.length > 0}>
        Create {runCount} runs
      </button>
    </form>
  );
}
