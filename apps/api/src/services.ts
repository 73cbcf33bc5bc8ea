import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { Config } from './config.js';
import { LocalDiskStore, type ArtifactStore } from './modules/artifacts/artifact-store.js';
import { ArtifactsService } from './modules/artifacts/artifacts.service.js';
import { DatasetsService } from './modules/datasets/datasets.service.js';
import { EventsService } from './modules/events/events.service.js';
import { ExperimentsService } from './modules/experiments/experiments.service.js';
import { MetricsService } from './modules/metrics/metrics.service.js';
import { ModelsService } from './modules/models/models.service.js';
import { ProjectsService } from './modules/projects/projects.service.js';
import { RunQueue } from './modules/queue/run-queue.js';
import { RunsService } from './modules/runs/runs.service.js';
import { WorkerService } from './modules/runs/worker.service.js';
import { AccessService } from './modules/teams/access.service.js';
import { TeamsService } from './modules/teams/teams.service.js';
import { TokensService } from './modules/tokens/tokens.service.js';
import { AuthService } from './modules/users/auth.service.js';

export function createServices(
  dataSource: DataSource,
  config: Config & { databaseUrl: string },
  logger: Logger,
  store: ArtifactStore = new LocalDiskStore(config.artifactDir),
) {
  const access = new AccessService(dataSource);
  const runs = new RunsService(dataSource, access);
  const auth = new AuthService(dataSource, config);
  const queue = new RunQueue(config.databaseUrl, logger);
  const events = new EventsService(config.databaseUrl, dataSource, logger);
  const worker = new WorkerService(dataSource, access, queue, config, logger, store, events);
  return {
    access,
    auth,
    teams: new TeamsService(dataSource, access),
    tokens: new TokensService(dataSource, access, auth),
    projects: new ProjectsService(dataSource, access),
    datasets: new DatasetsService(dataSource, access),
    models: new ModelsService(dataSource, access),
    runs,
    experiments: new ExperimentsService(dataSource, access, runs, worker),
    metrics: new MetricsService(dataSource, access),
    queue,
    worker,
    events,
    artifacts: new ArtifactsService(dataSource, access, config),
    store,
  };
}

export type Services = ReturnType<typeof createServices>;
