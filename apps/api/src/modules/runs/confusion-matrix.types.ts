import { perClassAccuracy } from '@finetrack/shared';
import { Field, Float, InputType, Int, ObjectType } from 'type-graphql';

@InputType({
  description:
    'The final model’s confusion matrix on the validation set: counts[actual][predicted], one row and column per class of the run’s dataset.',
})
export class ConfusionMatrixInput {
  @Field(() => [String])
  classNames: string[];

  @Field(() => [[Int]])
  counts: number[][];
}

@ObjectType({ description: 'A run’s final confusion matrix on its validation set.' })
export class ConfusionMatrix {
  @Field(() => [String])
  classNames: string[];

  @Field(() => [[Int]], { description: 'counts[actual][predicted].' })
  counts: number[][];

  @Field(() => [Float], {
    nullable: 'items',
    description:
      'Per class, the share of its samples predicted as itself; null for a class with none.',
  })
  perClassAccuracy(): (number | null)[] {
    return perClassAccuracy(this);
  }
}
