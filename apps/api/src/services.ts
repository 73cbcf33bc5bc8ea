import type { DataSource } from 'typeorm';
import type { Config } from './config.js';
import { DatasetsService } from './modules/datasets/datasets.service.js';
import { ExperimentsService } from './modules/experiments/experiments.service.js';
import { MetricsService } from './modules/metrics/metrics.service.js';
import { ModelsService } from './modules/models/models.service.js';
import { ProjectsService } from './modules/projects/projects.service.js';
import { RunsService } from './modules/runs/runs.service.js';
import { AccessService } from './modules/teams/access.service.js';
import { TeamsService } from './modules/teams/teams.service.js';
import { TokensService } from './modules/tokens/tokens.service.js';
import { AuthService } from './modules/users/auth.service.js';

export function createServices(dataSource: DataSource, config: Config) {
  const access = new AccessService(dataSource);
  const runs = new RunsService(dataSource, access);
  const auth = new AuthService(dataSource, config);
  return {
    access,
    auth,
    teams: new TeamsService(dataSource, access),
    tokens: new TokensService(dataSource, access, auth),
    projects: new ProjectsService(dataSource, access),
    datasets: new DatasetsService(dataSource, access),
    models: new ModelsService(dataSource, access),
    runs,
    experiments: new ExperimentsService(dataSource, access, runs),
    metrics: new MetricsService(dataSource, access),
  };
}

export type Services = ReturnType<typeof createServices>;
