import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../../graphql/context.js';
import {
  ClaimedScoreJob,
  ClaimScoreJobInput,
  CompleteScoreJobInput,
  FailScoreJobInput,
} from './score-jobs.types.js';
import { SourceModelScore } from './source-model-score.entity.js';

/** The worker protocol's scoring operations (see worker-protocol.ts in @finetrack/shared). */
@Resolver()
export class ScoreJobsResolver {
  @Mutation(() => ClaimedScoreJob, {
    nullable: true,
    description:
      "Worker: the next queued scoring job of the token's team with a lease; null if none. Never waits.",
  })
  claimScoreJob(@Arg('input') input: ClaimScoreJobInput, @Ctx() context: GraphQLContext) {
    return context.services.scoreJobs.claim(context.actor, input);
  }

  @Mutation(() => SourceModelScore, { description: 'Worker: the scores. Idempotent.' })
  completeScoreJob(@Arg('input') input: CompleteScoreJobInput, @Ctx() context: GraphQLContext) {
    return context.services.scoreJobs.complete(context.actor, input);
  }

  @Mutation(() => SourceModelScore, { description: 'Worker: scoring failed for good. Idempotent.' })
  failScoreJob(@Arg('input') input: FailScoreJobInput, @Ctx() context: GraphQLContext) {
    return context.services.scoreJobs.fail(context.actor, input);
  }
}
