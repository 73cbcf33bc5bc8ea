import { randomBytes } from 'node:crypto';
import { hash } from '@node-rs/argon2';
import { BUILT_IN_DATASETS, expandSweep, type SweepSpec } from '@finetrack/shared';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { Config } from '../config.js';
import { transactionOf } from '../modules/queue/run-queue.js';
import { ensureLocalWorkerToken } from './local-worker-token.js';
import type { Services } from '../services.js';

/** Weight-bearing layers of small-cnn below its default cut (conv1, conv2, dense1): "all". */
const SMALL_CNN_BASE_LAYERS = 3;

/**
 * The method's story on digits 5–9 with a source pretrained on 0–4: three training-set sizes
 * (nested subsets of one split), so the grid shows transfer beating scratch most on little data
 * and the best frozen depth moving with the size; two fine-tuning rates, the larger Adam's usual
 * rate and the rule book's tenth of it. Small enough (21 runs) that it finishes in a few minutes
 * on two CPU cores with one worker.
 */
export const DEMO_SWEEP: SweepSpec = {
  frozenLayers: [0, 2, SMALL_CNN_BASE_LAYERS],
  learningRates: [1e-3, 1e-4],
  seeds: [1],
  trainSamples: [100, 1000, 5000],
  epochs: 3,
  batchSize: 32,
  optimizer: 'adam',
  includeScratchBaseline: true,
  // Adam's usual from-scratch rate. The default (ten times the largest fine-tuning rate, 0.1 here)
  // makes Adam diverge on small-cnn and would show a baseline no one would train.
  scratchLearningRate: 1e-3,
};

/** The demo's second source model, pretrained on Fashion-MNIST 0–4. */
export const DEMO_SECOND_SOURCE = 'small-cnn · Fashion-MNIST 0–4';

export interface DemoSeed {
  /** False when the demo was already there (a second start). */
  created: boolean;
  email: string;
  /** Only on the start that created the user with a generated password. */
  password: string | undefined;
  teamId: string;
  experimentId: string | null;
  tokenFile: string;
}

const LOCK = 'finetrack-demo-seed';

/**
 * First start: a team and a user, MNIST 0–4 and 5–9 and Fashion-MNIST 0–4 datasets, pretraining
 * runs of small-cnn on digits 0–4 and on garments 0–4, and an experiment on 5–9 waiting for the
 * first. The local worker's (instance) token is made by
 * ensureLocalWorkerToken, demo or not. Later starts find the user and seed nothing. An advisory lock keeps two API
 * processes starting together from seeding twice.
 */
export async function seedDemo(
  dataSource: DataSource,
  services: Services,
  config: Config,
  logger: Logger,
): Promise<DemoSeed> {
  const generated = config.demoPassword ? undefined : randomBytes(9).toString('base64url');
  const password = config.demoPassword ?? generated!;
  const passwordHash = await hash(password);
  const result = await dataSource.transaction(async (manager) => {
    await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [LOCK]);
    const existing: { id: string; team_id: string | null; experiment_id: string | null }[] =
      await manager.query(
        `SELECT u.id,
                (SELECT m.team_id FROM memberships m WHERE m.user_id = u.id
                  ORDER BY m.created_at LIMIT 1) AS team_id,
                (SELECT e.id FROM experiments e JOIN memberships m ON m.team_id = e.team_id
                  WHERE m.user_id = u.id ORDER BY e.created_at LIMIT 1) AS experiment_id
           FROM users u WHERE lower(u.email) = lower($1)`,
        [config.demoEmail],
      );
    if (existing[0]?.team_id)
      return {
        created: false,
        userId: existing[0].id,
        teamId: existing[0].team_id,
        experimentId: existing[0].experiment_id,
      };

    const [user] = await manager.query(
      `INSERT INTO users (email, name, password_hash) VALUES ($1, 'Demo user', $2) RETURNING id`,
      [config.demoEmail, passwordHash],
    );
    const [team] = await manager.query(
      `INSERT INTO teams (name) VALUES ('Demo team') RETURNING id`,
    );
    await manager.query(
      `INSERT INTO memberships (team_id, user_id, role) VALUES ($1, $2, 'owner')`,
      [team.id, user.id],
    );
    const [project] = await manager.query(
      `INSERT INTO projects (team_id, name, description) VALUES ($1, $2, $3) RETURNING id`,
      [team.id, 'MNIST transfer', 'small-cnn pretrained on digits 0–4, fine-tuned on digits 5–9'],
    );
    const dataset = async (
      name: string,
      classes: number[],
      train: number,
      validation: number,
      kind: 'mnist' | 'fashion-mnist' = 'mnist',
    ) => {
      const classNames = BUILT_IN_DATASETS.find((entry) => entry.kind === kind)!.classNames;
      const [row] = await manager.query(
        `INSERT INTO datasets (team_id, name, class_names, train_samples, validation_samples, spec)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
        [
          team.id,
          name,
          classes.map((label) => classNames[label]),
          train,
          validation,
          JSON.stringify({
            kind,
            classes,
            trainSamples: train,
            validationSamples: validation,
            seed: 1,
          }),
        ],
      );
      return row.id as string;
    };
    const sourceData = await dataset('MNIST digits 0–4', [0, 1, 2, 3, 4], 3000, 500);
    const targetData = await dataset('MNIST digits 5–9', [5, 6, 7, 8, 9], 5000, 500);
    const garments = await dataset(
      'Fashion-MNIST 0–4',
      [0, 1, 2, 3, 4],
      3000,
      500,
      'fashion-mnist',
    );
    const tx = transactionOf(manager);
    const pretraining = await services.pretraining.create(tx, {
      teamId: team.id,
      name: 'small-cnn · MNIST 0–4',
      architecture: 'small-cnn',
      inputShape: [28, 28, 1],
      datasetId: sourceData,
      epochs: 2,
      batchSize: 64,
      learningRate: 1e-3,
      optimizer: 'adam',
      seed: 1,
    });
    const [experiment] = await manager.query(
      `INSERT INTO experiments (team_id, project_id, name, source_model_id, target_dataset_id, sweep)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [
        team.id,
        project.id,
        'Digits 5–9: frozen layers × learning rate × training-set size',
        pretraining.model.id,
        targetData,
        JSON.stringify(DEMO_SWEEP),
      ],
    );
    // Queued now; their jobs are sent when the pretraining run completes.
    await services.runs.insertMany(manager, team.id, experiment.id, expandSweep(DEMO_SWEEP));
    // The second source: the same network pretrained on garments, for LogME to rank against the
    // first on digits 5–9 (demo-scores.ts queues that scoring job once both are trained).
    await services.pretraining.create(tx, {
      teamId: team.id,
      name: DEMO_SECOND_SOURCE,
      architecture: 'small-cnn',
      inputShape: [28, 28, 1],
      datasetId: garments,
      epochs: 2,
      batchSize: 64,
      learningRate: 1e-3,
      optimizer: 'adam',
      seed: 1,
    });
    return { created: true, userId: user.id, teamId: team.id, experimentId: experiment.id };
  });

  const tokenFile = await ensureLocalWorkerToken(dataSource, config, logger);
  return {
    created: result.created,
    email: config.demoEmail,
    password: result.created ? password : undefined,
    teamId: result.teamId,
    experimentId: result.experimentId,
    tokenFile,
  };
}

/** The lines printed at start-up: where to go and how to log in. */
export function demoBanner(seed: DemoSeed, webUrl: string): string {
  const open = seed.experimentId ? `${webUrl}/experiments/${seed.experimentId}` : webUrl;
  const password = seed.password
    ? `password ${seed.password}${seed.created ? '   (shown once)' : ''}`
    : 'password as printed on the first start (or FINETRACK_DEMO_PASSWORD)';
  return [
    '',
    `  Finetrack demo ${seed.created ? 'seeded' : 'already there'}`,
    `  Open        ${open}`,
    `  Log in as   ${seed.email}`,
    `              ${password}`,
    `  Worker token file  ${seed.tokenFile}`,
    '',
  ].join('\n');
}
