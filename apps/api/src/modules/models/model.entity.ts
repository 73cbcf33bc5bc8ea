import type { LayerInfo, Preprocessing, SurgeryRecord } from '@finetrack/shared';
import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity } from 'typeorm';
import { ReferenceColumn } from '../../common/columns.js';
import { Initialization, ModelKind, PreprocessingMode } from '../../common/enums.js';
import { Connection } from '../../common/pagination.js';
import { TeamResource } from '../../common/team-resource.js';

/** The names the API's modules know these shared enums by. */
export {
  ModelKind as ModelKindEnum,
  Initialization as InitializationEnum,
} from '../../common/enums.js';

export enum ModelStatusEnum {
  PENDING = 'pending',
  READY = 'ready',
}
registerEnumType(ModelStatusEnum, {
  name: 'ModelStatus',
  description: 'pending: being pretrained by a run, no weights yet; ready: has its files',
});

@ObjectType('Layer')
export class LayerType implements LayerInfo {
  @Field()
  name: string;

  @Field()
  type: string;

  @Field(() => [Int], { nullable: 'items', description: 'null entries are the batch dimension' })
  outputShape: (number | null)[];

  @Field(() => Float)
  params: number;

  @Field()
  weightBearing: boolean;

  @Field(() => Int, { nullable: true })
  weightIndex: number | null;

  @Field()
  trainable: boolean;
}

@ObjectType('Surgery')
export class SurgeryType implements SurgeryRecord {
  @Field({ description: 'Last layer kept from the source model.' })
  cutLayer: string;

  @Field(() => Int)
  headUnits: number;

  @Field(() => Int)
  frozenLayers: number;

  @Field(() => [String])
  frozenLayerNames: string[];

  @Field(() => Float)
  learningRate: number;

  @Field(() => Initialization)
  initialization: 'pretrained' | 'scratch';
}

const bigintAsNumber = {
  to: (value: number) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};

@ObjectType()
@Entity('models')
export class Model extends TeamResource {
  @Field(() => ModelKind)
  @Column('text')
  kind: ModelKind;

  @Field()
  @Column('text')
  architecture: string;

  @Field(() => [Int])
  @Column('integer', { name: 'input_shape', array: true })
  inputShape: number[];

  @Field(() => [LayerType])
  @Column('jsonb')
  layers: LayerInfo[];

  @Field(() => Float)
  @Column('bigint', { name: 'total_params', transformer: bigintAsNumber })
  totalParams: number;

  @Field(() => Float)
  @Column('bigint', { name: 'trainable_params', transformer: bigintAsNumber })
  trainableParams: number;

  @ReferenceColumn('dataset_id', {
    nullable: true,
    description: 'Dataset the model was trained on.',
  })
  datasetId: string | null;

  @ReferenceColumn('parent_model_id', {
    nullable: true,
    description: 'A target model’s source model.',
  })
  parentModelId: string | null;

  @Field(() => SurgeryType, { nullable: true })
  @Column('jsonb', { nullable: true })
  surgery: SurgeryRecord | null;

  @Field(() => ModelStatusEnum)
  @Column('text', { default: ModelStatusEnum.READY })
  status: ModelStatusEnum;

  @Field(() => PreprocessingMode, {
    description: 'Set at import (or from the architecture); target models inherit their source’s.',
  })
  @Column('text', { default: 'unit' })
  preprocessing: Preprocessing;

  @Field(() => String, { nullable: true })
  @Column('text', { name: 'weights_sha256', nullable: true })
  weightsSha256: string | null;
}

@ObjectType()
export class ModelConnection extends Connection(Model) {}
