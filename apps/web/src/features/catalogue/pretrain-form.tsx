'use client';

import { useState, type FormEvent } from 'react';
import { ARCHITECTURES, BATCH_SIZE, EPOCHS, hyperparameterProblems, SEED } from '@finetrack/shared';
import type { PretrainModelInput } from '@/gql/graphql';
import { NameField } from '../ui/name-field';
import { FormError } from '../ui/states';

export interface SourceDatasetOption {
  id: string;
  name: string;
  classNames: string[];
  spec: Record<string, unknown>;
}

/** The image size a dataset's loader produces: its spec's, else MNIST's 28 × 28 × 1. */
export function inputShapeOf(spec: Record<string, unknown>): [number, number, number] {
  const shape = spec.inputShape;
  return Array.isArray(shape) && shape.length === 3 && shape.every(Number.isInteger)
    ? (shape as [number, number, number])
    : [28, 28, 1];
}

/** Architecture, source dataset and hyperparameters → `pretrainModel` (bounds from the rule book). */
export function PretrainForm({
  teamId,
  datasets,
  submitting,
  error,
  onSubmit,
}: {
  teamId: string;
  datasets: SourceDatasetOption[];
  submitting: boolean;
  error?: string;
  onSubmit(input: PretrainModelInput): void;
}) {
  const [architecture, setArchitecture] = useState<string>(ARCHITECTURES[0]);
  const [datasetId, setDatasetId] = useState(datasets[0]?.id ?? '');
  const [name, setName] = useState('');
  const [epochs, setEpochs] = useState('3');
  const [learningRate, setLearningRate] = useState('0.001');
  const [batchSize, setBatchSize] = useState('64');
  const [seed, setSeed] = useState('1');
  const dataset = datasets.find((candidate) => candidate.id === datasetId);
  // A blank field is no number at all (Number('') would be 0), so the rule book names it.
  const number = (text: string) => (text.trim() === '' ? Number.NaN : Number(text));
  const values = {
    epochs: number(epochs),
    learningRate: number(learningRate),
    batchSize: number(batchSize),
    seed: number(seed),
  };
  const problems = [
    ...(dataset ? [] : ['choose a source dataset']),
    ...hyperparameterProblems(values).map((problem) => problem.message),
  ];
  const defaultName = `${architecture} on ${dataset?.name ?? '…'}`;

  function submit(event: FormEvent) {
    event.preventDefault();
    if (problems.length > 0 || !dataset) return;
    onSubmit({
      teamId,
      architecture,
      datasetId: dataset.id,
      name: name.trim() || defaultName,
      inputShape: inputShapeOf(dataset.spec),
      ...values,
    });
  }

  return (
    <form
      className="form"
      onSubmit={submit}
      aria-label="Pretrain a source model"
      data-testid="pretrain"
    >
      <label>
        Architecture
        <select
          name="architecture"
          value={architecture}
          onChange={(e) => setArchitecture(e.target.value)}
        >
          {ARCHITECTURES.map((candidate) => (
            <option key={candidate} value={candidate}>
              {candidate}
            </option>
          ))}
        </select>
      </label>
      <label>
        Source dataset
        <select name="dataset" value={datasetId} onChange={(e) => setDatasetId(e.target.value)}>
          {datasets.map((candidate) => (
            <option key={candidate.id} value={candidate.id}>
              {candidate.name} ({candidate.classNames.length} classes)
            </option>
          ))}
        </select>
      </label>
      <NameField
        label={`Model name (default: ${defaultName})`}
        name="name"
        value={name}
        onChange={setName}
        optional
      />
      <label>
        Epochs
        <input
          name="epochs"
          type="number"
          min={EPOCHS.min}
          max={EPOCHS.max}
          value={epochs}
          onChange={(e) => setEpochs(e.target.value)}
        />
      </label>
      <label>
        Learning rate
        <input
          name="learningRate"
          inputMode="decimal"
          value={learningRate}
          onChange={(e) => setLearningRate(e.target.value)}
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
          onChange={(e) => setBatchSize(e.target.value)}
        />
      </label>
      <label>
        Seed
        <input
          name="seed"
          type="number"
          min={SEED.min}
          max={SEED.max}
          value={seed}
          onChange={(e) => setSeed(e.target.value)}
        />
      </label>
      {problems.length > 0 ? (
        <ul className="form-error">
          {problems.map((problem) => (
            <li key={problem}>{problem}</li>
          ))}
        </ul>
      ) : null}
      <FormError error={error} />
      <button type="submit" disabled={submitting || problems.length > 0}>
        Start pretraining
      </button>
    </form>
  );
}
