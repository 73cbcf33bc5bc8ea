'use client';

import { useState, type FormEvent } from 'react';
import {
  BUILT_IN_DATASETS,
  builtInDatasetInput,
  type BuiltInDataset,
  SEED,
  seedProblem,
} from '@finetrack/shared';
import type { CreateDatasetInput } from '@/gql/graphql';
import { NameField } from '../ui/name-field';
import { FormError } from '../ui/states';

/** A default name that says what the subset holds: "MNIST 5, 6, 7" or "Fashion-MNIST Bag, Coat". */
export function builtInDatasetName(dataset: BuiltInDataset, classes: number[]): string {
  const names = classes.map((label) => dataset.classNames[label]);
  return `${dataset.title} ${names.join(', ')}`;
}

/** A cap field's text as a cap: blank is no cap, anything else must be an integer ≥ 1. */
function parseCap(text: string): number | undefined | null {
  if (text.trim() === '') return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) && value >= 1 ? value : null;
}

/** MNIST or Fashion-MNIST, a class subset, sample caps and a seed → `createDataset`. */
export function BuiltInDatasetForm({
  teamId,
  submitting,
  error,
  onSubmit,
}: {
  teamId: string;
  submitting: boolean;
  error?: string;
  onSubmit(input: CreateDatasetInput): void;
}) {
  const [kind, setKind] = useState<BuiltInDataset['kind']>('mnist');
  const [classes, setClasses] = useState<number[]>([0, 1, 2, 3, 4]);
  const [name, setName] = useState('');
  const [trainCap, setTrainCap] = useState('');
  const [validationCap, setValidationCap] = useState('');
  const [seedText, setSeedText] = useState('0');
  const dataset = BUILT_IN_DATASETS.find((candidate) => candidate.kind === kind)!;
  const trainSamples = parseCap(trainCap);
  const validationSamples = parseCap(validationCap);
  const seed = Number(seedText);
  const problems = [
    classes.length < 2 && 'choose at least two classes',
    trainSamples === null && 'the training cap must be a whole number ≥ 1 (or blank)',
    validationSamples === null && 'the validation cap must be a whole number ≥ 1 (or blank)',
    (seedText.trim() === '' || seedProblem(seed)) &&
      `the seed must be a whole number from ${SEED.min} to ${SEED.max}`,
  ].filter((problem): problem is string => typeof problem === 'string');
  const counts =
    problems.length === 0
      ? builtInDatasetInput({
          kind,
          classes,
          trainSamples: trainSamples ?? undefined,
          validationSamples: validationSamples ?? undefined,
          seed,
        })
      : null;

  function toggle(label: number) {
    setClasses((current) =>
      current.includes(label)
        ? current.filter((value) => value !== label)
        : [...current, label].sort((a, b) => a - b),
    );
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!counts) return;
    onSubmit({
      teamId,
      name: name.trim() || builtInDatasetName(dataset, classes),
      ...counts,
    });
  }

  return (
    <form
      className="form"
      onSubmit={submit}
      aria-label="Built-in dataset"
      data-testid="built-in-dataset"
    >
      <label>
        Dataset
        <select
          name="kind"
          value={kind}
          onChange={(e) => setKind(e.target.value as BuiltInDataset['kind'])}
        >
          {BUILT_IN_DATASETS.map((candidate) => (
            <option key={candidate.kind} value={candidate.kind}>
              {candidate.title}
            </option>
          ))}
        </select>
      </label>
      <fieldset>
        <legend>Classes (relabelled 0, 1, … in this order)</legend>
        {dataset.classNames.map((className, label) => (
          <label key={label} className="checkbox">
            <input
              type="checkbox"
              name="classes"
              value={label}
              checked={classes.includes(label)}
              onChange={() => toggle(label)}
            />{' '}
            {label === Number(className) ? className : `${label} — ${className}`}
          </label>
        ))}
      </fieldset>
      <NameField
        label={`Name (default: ${builtInDatasetName(dataset, classes)})`}
        name="builtInName"
        value={name}
        onChange={setName}
        optional
      />
      <label>
        Training samples at most (blank: all)
        <input
          name="trainSamples"
          inputMode="numeric"
          value={trainCap}
          onChange={(e) => setTrainCap(e.target.value)}
        />
      </label>
      <label>
        Validation samples at most (blank: all)
        <input
          name="validationSamples"
          inputMode="numeric"
          value={validationCap}
          onChange={(e) => setValidationCap(e.target.value)}
        />
      </label>
      <label>
        Seed (which samples the caps keep)
        <input
          name="seed"
          inputMode="numeric"
          value={seedText}
          onChange={(e) => setSeedText(e.target.value)}
        />
      </label>
      <p data-testid="built-in-counts" aria-live="polite">
        {counts
          ? `${counts.trainSamples.toLocaleString('en')} training and ${counts.validationSamples.toLocaleString('en')} validation images`
          : '—'}
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
        Create dataset
      </button>
    </form>
  );
}
