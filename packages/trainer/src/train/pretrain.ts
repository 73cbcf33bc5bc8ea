import { selectBackend } from '../backend/select-backend.js';
import { buildArchitecture } from '../model/architectures.js';
import { runTrainingLoop } from './training-loop.js';
import type { PretrainOptions, PretrainResult } from './types.js';

/**
 * Trains a source model of `architecture` from seeded random weights on `dataset`
 * (input [batch, …dataset.inputShape] in [0, 1]; output [batch, classes] probabilities).
 */
export async function pretrain(options: PretrainOptions): Promise<PretrainResult> {
  const backendChoice = await selectBackend(options.backend);
  const model = buildArchitecture(options.architecture, {
    inputShape: options.dataset.inputShape,
    numClasses: options.dataset.classNames.length,
    seed: options.seed,
  });
  const { history, summary } = await runTrainingLoop({
    ...options,
    model,
    backendChoice,
    featureCache: 'never',
  });
  return { model, history, summary };
}
