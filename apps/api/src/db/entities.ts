import { Artifact } from '../modules/artifacts/artifact.entity.js';
import { Dataset } from '../modules/datasets/dataset.entity.js';
import { Experiment } from '../modules/experiments/experiment.entity.js';
import { MetricPoint } from '../modules/metrics/metric-point.entity.js';
import { Model } from '../modules/models/model.entity.js';
import { Project } from '../modules/projects/project.entity.js';
import { Run } from '../modules/runs/run.entity.js';
import { SourceModelScore } from '../modules/scores/source-model-score.entity.js';
import { Invitation } from '../modules/teams/invitation.entity.js';
import { Membership } from '../modules/teams/membership.entity.js';
import { Team } from '../modules/teams/team.entity.js';
import { ApiToken } from '../modules/tokens/api-token.entity.js';
import { Session } from '../modules/users/session.entity.js';
import { User } from '../modules/users/user.entity.js';

export const ENTITIES = [
  User,
  Session,
  Team,
  Membership,
  Invitation,
  ApiToken,
  Project,
  Dataset,
  Model,
  Experiment,
  Run,
  MetricPoint,
  Artifact,
  SourceModelScore,
];
