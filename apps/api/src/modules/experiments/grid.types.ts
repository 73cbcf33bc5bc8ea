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
