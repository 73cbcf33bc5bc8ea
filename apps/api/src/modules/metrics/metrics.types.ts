import { Field, Float, ID, InputType, Int, ObjectType } from 'type-graphql';

@InputType({ description: 'Validated by hand in MetricsService: batches are large.' })
export class MetricPointInput {
  @Field({ description: '1–200 characters, e.g. val_accuracy or drift/conv1.' })
  key: string;

  @Field(() => Int, { description: '≥ 0; the same (key, step) again overwrites.' })
  step: number;

  @Field(() => Float, { description: 'Finite; NaN and ±Infinity are rejected.' })
  value: number;

  @Field(() => Float, { nullable: true, description: 'Unix seconds; defaults to the server time.' })
  wallTime?: number;
}

@ObjectType()
export class LogMetricsResult {
  @Field(() => ID)
  runId: string;

  @Field(() => Int, { description: 'Points written (after collapsing repeats in the batch).' })
  written: number;
}

@ObjectType({
  description: 'One curve, column-wise: steps[i], values[i] and wallTimes[i] are one point.',
})
export class MetricSeries {
  @Field(() => ID)
  runId: string;

  @Field()
  key: string;

  @Field(() => [Int])
  steps: number[];

  @Field(() => [Float])
  values: number[];

  @Field(() => [Float])
  wallTimes: number[];
}
