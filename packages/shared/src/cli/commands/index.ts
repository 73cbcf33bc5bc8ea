import type { Command } from '../command.js';
import { datasetUpload } from './dataset-upload.js';
import { experiments } from './experiments.js';
import { grid } from './grid.js';
import { log } from './log.js';
import { login } from './login.js';
import { logout } from './logout.js';
import { modelDownload } from './model-download.js';
import { modelImport } from './model-import.js';
import { pretrain } from './pretrain.js';
import { projects } from './projects.js';
import { runCreate } from './run-create.js';
import { runFinish } from './run-finish.js';
import { runShow } from './run-show.js';
import { runs } from './runs.js';
import { score, scores } from './score.js';

/** Every command, in the order --help lists them. */
export const COMMANDS: readonly Command[] = [
  login,
  logout,
  projects,
  experiments,
  grid,
  runs,
  runCreate,
  runFinish,
  runShow,
  log,
  modelImport,
  modelDownload,
  pretrain,
  datasetUpload,
  score,
  scores,
];
