import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum QueueWaitReason {
  WAITING_FOR_TURN = 'WAITING_FOR_TURN',
  NO_WORKER_CONNECTED = 'NO_WORKER_CONNECTED',
  NO_CAPABLE_WORKER = 'NO_CAPABLE_WORKER',
  WAITING_FOR_SOURCE_MODEL = 'WAITING_FOR_SOURCE_MODEL',
}
registerEnumType(QueueWaitReason, {
  name: 'QueueWaitReason',
  description:
    'WAITING_FOR_TURN: online workers take it in turn; NO_WORKER_CONNECTED: no online worker serves the team; NO_CAPABLE_WORKER: none online accepts its kind; WAITING_FOR_SOURCE_MODEL: queued once its source model is trained',
});

@ObjectType({ description: 'Why a queued run waits, and its place in the team’s queue.' })
export class QueueState {
  @Field(() => Int, {
    nullable: true,
    description:
      '1 = the next run a worker takes (in the claim’s order); null while waiting for its source model.',
  })
  position: number | null;

  @Field(() => QueueWaitReason)
  reason: QueueWaitReason;

  @Field()
  message: string;
}
