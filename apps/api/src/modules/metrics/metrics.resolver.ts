import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../../graphql/context.js';
import { DEFAULT_MAX_POINTS } from './metrics.validation.js';
import { LogMetricsResult, MetricPointInput, MetricSeries } from './metrics.types.js';

@Resolver()
export class MetricsResolver {
  @Mutation(() => LogMetricsResult, {
    description:
      'Up to 10,000 points, written with one statement (COPY; INSERT … ON CONFLICT when some ' +
      '(key, step) already exist) plus the roll-up. Idempotent: the same (key, step) again ' +
      'overwrites, never duplicates. NaN and ±Infinity are rejected with BAD_USER_INPUT naming ' +
      'the index. wallTime is Unix seconds.',
  })
  async logMetrics(
    @Arg('runId', () => ID) runId: string,
    // Checked by hand: class-validator on every point would dominate ingest time.
    @Arg('points', () => [MetricPointInput], { validate: false }) points: MetricPointInput[],
    @Ctx() context: GraphQLContext,
    @Arg('leaseToken', () => String, {
      nullable: true,
      description:
        "Required with a worker token: the run's live lease (else CONFLICT, LEASE_LOST). " +
        'Users and scripts (external runs) leave it out.',
    })
    leaseToken?: string | null,
  ) {
    // A worker token writes only while it holds the run's lease (checked in the write's
    // transaction); then the batch is announced to subscribers.
    const lease = context.actor.viewer?.worker ? { leaseToken: leaseToken ?? null } : undefined;
    const result = await context.services.metricIngest.log(context.actor, runId, points, lease);
    await context.services.events.metricsAppended(runId, points);
    return result;
  }

  @Query(() => [MetricSeries], {
    description:
      'Each (run, key) curve down-sampled to at most maxPoints from the min/max roll-up kept in ' +
      "PostgreSQL, keeping every bucket's minimum and maximum. Bounded: at most 500 runs × 50 " +
      'keys, so not paginated.',
  })
  metrics(
    @Arg('runIds', () => [ID]) runIds: string[],
    @Arg('keys', () => [String]) keys: string[],
    @Ctx() context: GraphQLContext,
    @Arg('maxPoints', () => Int, { defaultValue: DEFAULT_MAX_POINTS }) maxPoints: number,
  ) {
    return context.services.metricCurves.series(context.actor, runIds, keys, maxPoints);
  }
}
