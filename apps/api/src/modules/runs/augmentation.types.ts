import { AUGMENTATION_DESCRIPTIONS, type Augmentation } from '@finetrack/shared';
import { IsBoolean } from 'class-validator';
import { Field, Float, InputType, ObjectType } from 'type-graphql';
import { IsAugmentationCrop, IsAugmentationRotation } from '../../common/hyperparameters.js';

@ObjectType('Augmentation', {
  description:
    'Random training-time augmentation of a run (training batches only, never validation).',
})
export class RunAugmentation implements Augmentation {
  @Field({ description: AUGMENTATION_DESCRIPTIONS.flip })
  flip: boolean;

  @Field(() => Float, { description: AUGMENTATION_DESCRIPTIONS.crop })
  crop: number;

  @Field(() => Float, { description: AUGMENTATION_DESCRIPTIONS.rotation })
  rotation: number;
}

@InputType({ description: 'Training-time augmentation; every part defaults to off.' })
export class AugmentationInput implements Augmentation {
  @Field({ defaultValue: false, description: AUGMENTATION_DESCRIPTIONS.flip })
  @IsBoolean()
  flip: boolean;

  @Field(() => Float, { defaultValue: 0, description: AUGMENTATION_DESCRIPTIONS.crop })
  @IsAugmentationCrop()
  crop: number;

  @Field(() => Float, { defaultValue: 0, description: AUGMENTATION_DESCRIPTIONS.rotation })
  @IsAugmentationRotation()
  rotation: number;
}
