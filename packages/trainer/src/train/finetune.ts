import { DEFAULT_SCRATCH_LEARNING_RATE, suggestFineTuning } from '@finetrack/shared';
import { selectBackend } from '../backend/select-backend.js';
import { performSurgery } from '../model/surgery.js';
import { runTrainingLoop } from './training-loop.js';
import type { FinetuneOptions, FinetuneResult } from './types.js';

/**
 * Transfer learning from `source`: surgery (cut, new seeded softmax head with one unit per
 * dataset class, first `frozenLayers` weight-bearing layers frozen), then training of the rest.
 * `initialization: 'scratch'` trains the same target architecture from random weights (the
 * baseline). The source model is left untouched. Frozen layers run in inference mode; their
 * outputs are cached when that pays (see `featureCache`).
 */
export async function finetune(
  options: FinetuneOptions & { scratchLearningRate?: number },
): Promise<FinetuneResult> {
  const backendChoice = await selectBackend(options.backend);
  const surgery = performSurgery(options.source, {
    numClasses: options.dataset.classNames.length,
    frozenLayers: options.frozenLayers,
    seed: options.seed,
    initialization: options.initialization,
    cutLayer: options.cutLayer,
    learningRate: options.learningRate,
  });
  const { history, summary } = await runTrainingLoop({
    ...options,
    model: surgery.model,
    backendChoice,
    batchNormInference: options.initialization === 'pretrained',
  });
  const scratchLearningRate =
    options.scratchLearningRate ??
    (options.initialization === 'scratch'
      ? options.learningRate
      : DEFAULT_SCRATCH_LEARNING_RATE[options.optimizer]);
  const suggestions = suggestFineTuning({
    scratchLearningRate,
    trainSamples: options.dataset.train.count,
    weightBearingLayers: surgery.weightBearingLayerNames.length,
  });
  return { model: surgery.model, surgery, history, summary: { ...summary, suggestions } };
}
