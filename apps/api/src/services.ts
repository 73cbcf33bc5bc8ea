import { DEFAULT_DATASET_ARCHIVE_LIMITS } from '@finetrack/shared';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { Config } from './config.js';
import { LocalDiskStore, type ArtifactStore } from './modules/artifacts/artifact-store.js';
import { ArtifactDeletions } from './modules/artifacts/artifact-deletions.js';
import { ArtifactsService } from './modules/artifacts/artifacts.service.js';
import { RunArtifactsService } from './modules/artifacts/run-artifacts.service.js';
import { DatasetArchivesService } from './modules/datasets/dataset-archives.service.js';
import { DatasetUploadsService } from './modules/datasets/dataset-uploads.service.js';
import { DatasetsService } from './modules/datasets/datasets.service.js';
import { AccessChanges } from './modules/events/access-changes.js';
import { EventsService } from './modules/events/events.service.js';
import { ExperimentsService } from './modules/experiments/experiments.service.js';
import { MetricCurvesService } from './modules/metrics/metric-curves.service.js';
import { MetricIngestService } from './modules/metrics/metric-ingest.service.js';
import { ModelDownloadService } from './modules/models/model-download.service.js';
import { ModelImportService } from './modules/models/model-import.service.js';
import { ModelsService } from './modules/models/models.service.js';
import { PretrainingService } from './modules/models/pretraining.service.js';
import { ProjectsService } from './modules/projects/projects.service.js';
import { RunQueue } from './modules/queue/run-queue.js';
import { RunClaimsService } from './modules/runs/run-claims.service.js';
import { RunLeasesService } from './modules/runs/run-leases.service.js';
import { RunSchedulerService } from './modules/runs/run-scheduler.service.js';
import { RunsControlService } from './modules/runs/runs-control.service.js';
import { RunsService } from './modules/runs/runs.service.js';
import { ScoreJobsService } from './modules/scores/score-jobs.service.js';
import { ScoresService } from './modules/scores/scores.service.js';
import { AccessService } from './modules/teams/access.service.js';
import { InvitationsService } from './modules/teams/invitations.service.js';
import { TeamsService } from './modules/teams/teams.service.js';
import { TokensService } from './modules/tokens/tokens.service.js';
import { AuthService } from './modules/users/auth.service.js';
import { QueueStateService } from './modules/workers/queue-state.service.js';
import { WorkersService } from './modules/workers/workers.service.js';

export function createServices(
  dataSource: DataSource,
  config: Config & { databaseUrl: string },
  logger: Logger,
  store: ArtifactStore = new LocalDiskStore(config.artifactDir),
) {
  const access = new AccessService(dataSource);
  const queue = new RunQueue(config.databaseUrl, logger);
  const events = new EventsService(config.databaseUrl, dataSource, logger);
  const accessChanges = new AccessChanges(events, logger);
  const auth = new AuthService(dataSource, config, accessChanges);
  const artifacts = new ArtifactsService(dataSource, access, config);
  const runArtifacts = new RunArtifactsService(dataSource, store, logger);
  const artifactDeletions = new ArtifactDeletions(dataSource, store, logger);
  const datasetArchives = new DatasetArchivesService(dataSource, store);
  const datasets = new DatasetsService(dataSource, access, datasetArchives);
  const datasetUploads = new DatasetUploadsService(dataSource, access, datasetArchives, {
    ...DEFAULT_DATASET_ARCHIVE_LIMITS,
    maxArchiveBytes: config.datasetMaxArchiveBytes,
    maxUncompressedBytes: config.datasetMaxUncompressedBytes,
  });
  const models = new ModelsService(dataSource, access);
  const runs = new RunsService(dataSource, access);
  const scheduler = new RunSchedulerService(
    dataSource,
    queue,
    runArtifacts,
    artifactDeletions,
    config,
    logger,
  );
  const tokens = new TokensService(dataSource, access, auth, accessChanges, config);
  const experiments = new ExperimentsService(dataSource, access, runs, datasets, scheduler);
  const scoreJobs = new ScoreJobsService(dataSource, datasets, models, artifacts);
  return {
    artifactDeletions,
    access,
    auth,
    teams: new TeamsService(dataSource, access, auth, accessChanges),
    invitations: new InvitationsService(dataSource, access, config),
    tokens,
    workers: new WorkersService(dataSource, access, tokens, config),
    queueStates: new QueueStateService(dataSource),
    projects: new ProjectsService(dataSource, access),
    datasets,
    datasetArchives,
    datasetUploads,
    models,
    modelImport: new ModelImportService(dataSource, access),
    modelDownload: new ModelDownloadService(models, datasets, artifacts, store),
    pretraining: new PretrainingService(dataSource, access, models, runs, datasets, scheduler),
    runs,
    runControl: new RunsControlService(dataSource, access, scheduler),
    experiments,
    metricIngest: new MetricIngestService(dataSource, access, config),
    metricCurves: new MetricCurvesService(dataSource, access),
    queue,
    /** Run execution by lifecycle: queueing and the reaper, claims, held leases. */
    scheduler,
    claims: new RunClaimsService(
      dataSource,
      queue,
      scheduler,
      events,
      models,
      datasets,
      experiments,
      artifacts,
      runArtifacts,
      scoreJobs,
      config,
    ),
    leases: new RunLeasesService(dataSource, scheduler, models, experiments, runArtifacts, config),
    /** Source-model scoring: members queue and read scores, workers claim and report them. */
    scores: new ScoresService(dataSource, access, events),
    scoreJobs,
    events,
    artifacts,
    runArtifacts,
    store,
  };
}

export type Services = ReturnType<typeof createServices>;
