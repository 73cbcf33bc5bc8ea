import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum GridSummary {
  BEST = 'BEST',
  LAST = 'LAST',
}
registerEnumType(GridSummary, {
  name: 'GridSummary',
  description: 'Which value of a run’s curve stands for the run: its best or its last.',
});

@ObjectType()
export class GridStats {
  @Field(() => Int, { description: 'Runs that have at least one point of the metric.' })
  runCount: number;

  @Field(() => Int, { description: 'All runs in the cell, with or without points.' })
  totalRuns: number;

  @Field(() => Float, { nullable: true })
  mean: number | null;

  @Field(() => Float, {
    nullable: true,
    description: 'Sample standard deviation; null under 2 runs.',
  })
  std: number | null;

  @Field(() => Float, { nullable: true })
  best: number | null;
}

@ObjectType({
  description:
    'What a cell’s runs needed to first reach the grid’s target validation accuracy: means over the runs that reached it.',
})
export class ComputeToTargetStats {
  @Field(() => Float, { description: 'Epochs (the first epoch at or above the target).' })
  epochs: number;

  @Field(() => Float, { description: 'Training samples seen by then.' })
  samples: number;

  @Field(() => Float, { nullable: true, description: 'Wall seconds since the run started.' })
  seconds: number | null;

  @Field(() => Float, {
    nullable: true,
    description:
      'Estimated training FLOPs (frozen layers forward, trainable forward + backward, a cached frozen prefix once).',
  })
  flops: number | null;

  @Field(() => Int, { description: 'Runs that reached the target.' })
  reachedRuns: number;

  @Field(() => Int, { description: 'Runs in the cell; the rest never reached the target.' })
  totalRuns: number;
}

@ObjectType({
  description:
    'Scratch’s compute to the target over the cell’s, per unit (2: the cell needed half); null where either never reached it.',
})
export class SpeedupOverScratch {
  @Field(() => Float, { nullable: true })
  epochs: number | null;

  @Field(() => Float, { nullable: true })
  samples: number | null;

  @Field(() => Float, { nullable: true })
  seconds: number | null;

  @Field(() => Float, { nullable: true })
  flops: number | null;
}

@ObjectType()
export class GridCell extends GridStats {
  @Field(() => Int)
  frozenLayers: number;

  @Field(() => Float)
  learningRate: number;

  @Field(() => Float, {
    nullable: true,
    description:
      'mean − scratch mean (scratch − mean for lower-is-better metrics): positive is better.',
  })
  gainOverScratch: number | null;

  @Field(() => Float, {
    nullable: true,
    description:
      'Mean over the cell’s runs of their lowest per-class validation accuracy (runs with a confusion matrix).',
  })
  worstClassAccuracy: number | null;

  @Field(() => ComputeToTargetStats, {
    nullable: true,
    description:
      'Compute to first reach Grid.computeTarget; null when no run of the cell reached it (or there is no target).',
  })
  computeToTarget: ComputeToTargetStats | null;

  @Field(() => Float, {
    nullable: true,
    description:
      'Scratch’s wall seconds to the target over the cell’s (2: twice as fast); samples seen where seconds are unknown. Null when either never reached the target.',
  })
  speedupOverScratch: number | null;

  @Field(() => SpeedupOverScratch, {
    nullable: true,
    description: 'The speed-up in each unit; null when the grid has no target.',
  })
  speedupsOverScratch: SpeedupOverScratch | null;
}

@ObjectType()
export class Grid {
  @Field()
  metric: string;

  @Field(() => GridSummary)
  summary: GridSummary;

  @Field({ description: 'True for loss-like metrics (the key contains "loss").' })
  lowerIsBetter: boolean;

  @Field(() => Int, {
    nullable: true,
    description:
      'The training-set size this grid shows, for sweeps that vary it (the largest unless asked); null otherwise.',
  })
  trainSamples: number | null;

  @Field(() => [GridCell], {
    description: 'One per (frozenLayers, learningRate) with pretrained runs.',
  })
  cells: GridCell[];

  @Field(() => GridStats, { nullable: true, description: 'The from-scratch baseline runs.' })
  scratch: GridStats | null;

  @Field(() => Float, {
    nullable: true,
    description:
      'The validation accuracy compute-to-target is measured against: the grid’s `target` argument, else 95 % of the best accuracy a scratch run of this size reached; null without either.',
  })
  computeTarget: number | null;

  @Field(() => ComputeToTargetStats, {
    nullable: true,
    description:
      'The scratch baseline’s compute to the target; null when no scratch run reached it.',
  })
  scratchComputeToTarget: ComputeToTargetStats | null;
}

@ObjectType({
  description:
    'For one training-set size: the frozen depth that measured best, beside the depth the suggestion engine advises for that size.',
})
export class DepthForSize {
  @Field(() => Int)
  trainSamples: number;

  @Field(() => Int, { nullable: true, description: 'Null until a cell of this size has values.' })
  bestFrozenLayers: number | null;

  @Field(() => Float, { nullable: true })
  bestLearningRate: number | null;

  @Field(() => Float, { nullable: true, description: 'The best cell’s mean over its seeds.' })
  bestMean: number | null;

  @Field(() => Float, { nullable: true, description: 'The scratch baseline’s mean at this size.' })
  scratchMean: number | null;

  @Field(() => Int, {
    description:
      'The advised depth (suggestFineTuning for this size), snapped to the nearest depth the sweep ran.',
  })
  suggestedFrozenLayers: number;

  @Field()
  suggestionReason: string;

  @Field(() => Boolean, {
    nullable: true,
    description: 'Whether measurement and advice pick the same depth; null until measured.',
  })
  agrees: boolean | null;
}
