import { Field, ID, Int, ObjectType } from 'type-graphql';
import { RunKind } from '../../common/enums.js';
import { Run } from '../runs/run.entity.js';

/** A worker process as the registry knows it: what it said in its last claim, when it was seen. */
@ObjectType({
  description: 'A worker process that serves the team (its own or an instance worker).',
})
export class Worker {
  @Field(() => ID, { description: 'The registry id (revokeWorker takes it).' })
  id: string;

  @Field({ description: 'The id the process claims with: "<hostname>:<pid>:<random>".' })
  workerId: string;

  @Field({ description: 'Its --name, or its hostname.' })
  name: string;

  @Field()
  hostname: string;

  @Field(() => [String])
  backends: string[];

  @Field()
  device: string;

  @Field(() => [RunKind], { description: 'Job kinds it accepts.' })
  kinds: string[];

  @Field(() => Int, { nullable: true, description: 'Worker processes on its host.' })
  concurrency: number | null;

  @Field(() => String, { nullable: true, description: 'The worker package version.' })
  version: string | null;

  @Field(() => Int)
  protocolVersion: number;

  @Field({ description: 'An instance worker (serves every team), not the team’s own.' })
  instance: boolean;

  @Field({ description: 'Seen within WORKER_ONLINE_SECONDS, or holding a lease.' })
  online: boolean;

  @Field({ description: 'Executing a run now (for an instance worker, maybe another team’s).' })
  busy: boolean;

  @Field(() => Run, { nullable: true, description: 'The run of this team it is executing.' })
  currentRun: Run | null;

  @Field()
  firstSeenAt: Date;

  @Field()
  lastHeartbeatAt: Date;
}
