import type {
  CreateRunInput,
  ExperimentGridQuery,
  ExperimentsQuery,
  GridSummary,
  MeQuery,
  PretrainModelInput,
  PretrainRunFieldsFragment,
  ProjectsQuery,
  RunFieldsFragment,
  RunsQuery,
  TypedDocumentString,
  UpdateRunInput,
} from '../gql/graphql.js';
import { ApiClient, type ApiClientOptions } from './api-client.js';
import { batchPoints, MAX_POINTS_PER_CALL, type MetricPoint } from './metric-lines.js';
import {
  CreateRunDocument,
  ExperimentGridDocument,
  ExperimentsDocument,
  LogMetricsDocument,
  MeDocument,
  PretrainModelDocument,
  PretrainRunDocument,
  ProjectsDocument,
  RunDocument,
  RunsDocument,
  UpdateRunDocument,
} from './operations.js';

export type Me = MeQuery['me'];
export type Project = ProjectsQuery['projects']['nodes'][number];
export type Experiment = ExperimentsQuery['experiments']['nodes'][number];
export type ExperimentGrid = ExperimentGridQuery['experiment'];
export type Grid = ExperimentGrid['grid'];
export type Run = RunFieldsFragment;
export type PretrainRun = PretrainRunFieldsFragment;
export type TerminalRunStatus = 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

/** Variables of a document: none to pass when the operation declares none. */
type VariablesArgument<TVariables> = [TVariables] extends [{ [key: string]: never }]
  ? []
  : [variables: TVariables];

/** Largest page each list query accepts (projects and experiments: 100; runs: 500). */
const PAGE_SIZE = 100;
const RUN_PAGE_SIZE = 500;

export interface LogMetricsOptions {
  /** Points per `logMetrics` call, at most 10,000 (the default). */
  batchSize?: number;
  /** Called after each successful call with the points sent so far and the total. */
  onBatch?: (done: number, total: number) => void;
}

/**
 * The typed GraphQL client for scripts, the CLI and tools: every operation's result and
 * variables come from packages/shared/schema.graphql through codegen. Each call goes through ApiClient,
 * so network failures, 502/503/504 and RATE_LIMITED are retried with back-off.
 */
export class FinetrackClient {
  readonly api: ApiClient;

  constructor(api: ApiClient | ApiClientOptions) {
    this.api = api instanceof ApiClient ? api : new ApiClient(api);
  }

  /** Runs any generated document (see `./operations.ts`) with its typed variables. */
  execute<TResult, TVariables>(
    document: TypedDocumentString<TResult, TVariables>,
    ...[variables]: VariablesArgument<TVariables>
  ): Promise<TResult> {
    return this.api.request<TResult, object>(document.toString(), variables ?? {});
  }

  /** The caller: their email and teams (what the command line reads). */
  async me(): Promise<Me> {
    return (await this.execute(MeDocument)).me;
  }

  /** Every project of a team, following the cursor. */
  async projects(teamId: string): Promise<Project[]> {
    const all: Project[] = [];
    let after: string | null = null;
    do {
      const { projects }: ProjectsQuery = await this.execute(ProjectsDocument, {
        teamId,
        first: PAGE_SIZE,
        after,
      });
      all.push(...projects.nodes);
      after = projects.pageInfo.hasNextPage ? projects.pageInfo.endCursor : null;
    } while (after);
    return all;
  }

  /** Every experiment of a project, following the cursor. */
  async experiments(projectId: string): Promise<Experiment[]> {
    const all: Experiment[] = [];
    let after: string | null = null;
    do {
      const { experiments }: ExperimentsQuery = await this.execute(ExperimentsDocument, {
        projectId,
        first: PAGE_SIZE,
        after,
      });
      all.push(...experiments.nodes);
      after = experiments.pageInfo.hasNextPage ? experiments.pageInfo.endCursor : null;
    } while (after);
    return all;
  }

  /** The frozenLayers × learningRate grid of one metric; each run summarised by its best or last value. */
  async grid(
    experimentId: string,
    metric = 'val_accuracy',
    summary: GridSummary = 'BEST',
  ): Promise<ExperimentGrid> {
    return (await this.execute(ExperimentGridDocument, { id: experimentId, metric, summary }))
      .experiment;
  }

  /** Every run of an experiment, oldest first. */
  async runs(experimentId: string): Promise<Run[]> {
    const all: Run[] = [];
    let after: string | null = null;
    do {
      const { runs }: RunsQuery = await this.execute(RunsDocument, {
        experimentId,
        first: RUN_PAGE_SIZE,
        after,
      });
      all.push(...runs.nodes);
      after = runs.pageInfo.hasNextPage ? runs.pageInfo.endCursor : null;
    } while (after);
    return all;
  }

  async run(id: string): Promise<Run> {
    return (await this.execute(RunDocument, { id })).run;
  }

  /** A run of an experiment; external (logged by this script, never queued) unless told otherwise. */
  async createRun(input: CreateRunInput): Promise<Run> {
    return (await this.execute(CreateRunDocument, { input: { external: true, ...input } }))
      .createRun;
  }

  /** Status and summary; for an external run the API fills unset summary fields from its metrics. */
  /** Queues a PRETRAIN run that trains a new source model from scratch. */
  async pretrainModel(input: PretrainModelInput): Promise<PretrainRun> {
    return (await this.execute(PretrainModelDocument, { input })).pretrainModel;
  }

  async pretrainRun(id: string): Promise<PretrainRun> {
    return (await this.execute(PretrainRunDocument, { id })).run;
  }

  async updateRun(input: UpdateRunInput): Promise<Run> {
    return (await this.execute(UpdateRunDocument, { input })).updateRun;
  }

  /** Ends an external run (succeeded by default). Doing it again changes nothing. */
  finishRun(
    id: string,
    status: TerminalRunStatus = 'SUCCEEDED',
    summary: Omit<UpdateRunInput, 'id' | 'status'> = {},
  ): Promise<Run> {
    return this.updateRun({ ...summary, id, status });
  }

  /**
   * Sends points in order, at most `batchSize` per `logMetrics` call. Each call is idempotent per
   * (key, step), so after a failure the same points can simply be sent again.
   */
  async logMetrics(
    runId: string,
    points: readonly MetricPoint[],
    options: LogMetricsOptions = {},
  ): Promise<{ written: number; calls: number }> {
    const batches = batchPoints(points, options.batchSize ?? MAX_POINTS_PER_CALL);
    let written = 0;
    let sent = 0;
    for (const batch of batches) {
      const { logMetrics } = await this.execute(LogMetricsDocument, { runId, points: batch });
      written += logMetrics.written;
      sent += batch.length;
      options.onBatch?.(sent, points.length);
    }
    return { written, calls: batches.length };
  }
}
