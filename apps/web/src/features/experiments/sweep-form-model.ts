import { countSweepRuns } from '@finetrack/shared';

/** Parses "0.01, 1e-3 0.0001" into numbers; null when any entry is not a number. */
export function parseNumberList(text: string): number[] | null {
  const parts = text
    .split(/[\s,;]+/)
    .map((part) => part.trim())
    .filter(Boolean);
  const numbers = parts.map(Number);
  return numbers.some((value) => !Number.isFinite(value)) ? null : numbers;
}

export interface SweepDraft {
  frozenLayers: number[];
  learningRates: number[];
  seeds: number[];
  includeScratchBaseline: boolean;
}

/** What createExperiment will expand into (the shared rule the API applies). */
export function countRuns(draft: SweepDraft): number {
  if (draft.frozenLayers.length === 0 || draft.learningRates.length === 0) return 0;
  return countSweepRuns({
    frozenLayers: draft.frozenLayers,
    learningRates: draft.learningRates,
    seeds: draft.seeds.length > 0 ? draft.seeds : undefined,
    includeScratchBaseline: draft.includeScratchBaseline,
    epochs: 1,
    batchSize: 1,
    optimizer: 'adam',
  });
}

/** Fine-tuning usually wants about a tenth of the rate that trains the network from scratch. */
export function suggestedFineTuneRate(scratchRate: number): number {
  return Number((scratchRate / 10).toPrecision(3));
}
