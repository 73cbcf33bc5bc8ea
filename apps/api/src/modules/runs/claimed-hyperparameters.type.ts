import type { RunHyperparameters } from '@finetrack/shared';
import { Field, Float, Int, ObjectType } from 'type-graphql';
import { Initialization, Optimizer } from '../../common/enums.js';
import { RunAugmentation } from './augmentation.types.js';

@ObjectType({ description: 'What a claimed run is asked to do.' })
export class ClaimedHyperparameters implements RunHyperparameters {
  @Field(() => Int, { description: 'Weight-bearing layers to freeze, counted from the input.' })
  frozenLayers: number;

  @Field(() => Float)
  learningRate: number;

  @Field(() => Int)
  epochs: number;

  @Field(() => Int)
  batchSize: number;

  @Field(() => Optimizer)
  optimizer: Optimizer;

  @Field(() => Int)
  seed: number;

  @Field(() => Initialization)
  initialization: Initialization;

  @Field(() => Int, {
    nullable: true,
    description:
      'Train on the first this many samples of the (shuffled) training split; null: all of it.',
  })
  trainSamples: number | null;

  @Field(() => RunAugmentation, {
    description:
      'How to augment the training batches (all off: none); with frozen layers it bypasses the feature cache.',
  })
  augmentation: RunAugmentation;
}
