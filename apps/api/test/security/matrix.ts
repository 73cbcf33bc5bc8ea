import {
  CLAIM_SCORE_JOB,
  COMPLETE_RUN,
  COMPLETE_SCORE_JOB,
  FAIL_RUN,
  FAIL_SCORE_JOB,
  HEARTBEAT_RUN,
  LOG_METRICS as WORKER_LOG_METRICS,
  METRICS_APPENDED,
  RECORD_CHECKPOINT,
  RELEASE_RUN,
  RUN_UPDATED,
  SCORE_SOURCE_MODELS,
  SOURCE_MODEL_SCORES,
  type ClaimedRun,
  type GraphQLDocument,
} from '@finetrack/shared';
import {
  ACCEPT_INVITATION,
  CREATE_EXPERIMENT,
  INVITE_MEMBER,
  LOG_METRICS,
  SIGN_UP,
  sourceModelInput,
} from '../factories/builders.js';
import { ApiClient, type Loose } from '../factories/client.js';
import { aCompletion, CAPABILITIES } from '../factories/worker.js';
import { claimWith, unique, type Fixtures, type Principal } from './principals.js';
import { tusClient } from '../factories/tus.js';
import { datasetEntries, makeZip } from '@finetrack/shared/testing';

export type Outcome = 'ok' | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND' | 'CONFLICT';
export type Expected = Record<Principal, Outcome>;

/** One request as a principal sends it; `client` replaces the principal's own (a fresh session). */
export interface Cell {
  query: string;
  variables?: Loose;
  client?: ApiClient;
}

export interface MatrixRow {
  operation: string;
  expected: Expected;
  /** Builds the cell for one principal, creating (as team A's owner) whatever it consumes. */
  build(f: Fixtures, who: Principal): Promise<Cell>;
  /** Subscriptions only: makes the subscribed event happen. */
  trigger?(f: Fixtures): Promise<unknown>;
}

const ROLES = ['viewer', 'member', 'admin', 'owner'] as const;
const RANK: Record<(typeof ROLES)[number], number> = { viewer: 0, member: 1, admin: 2, owner: 3 };

/** A team-A operation: the role or above succeeds, lower roles are FORBIDDEN, others see nothing. */
function team(minimum: (typeof ROLES)[number], overrides: Partial<Expected> = {}): Expected {
  const byRole = Object.fromEntries(
    ROLES.map((role) => [role, RANK[role] >= RANK[minimum] ? 'ok' : 'FORBIDDEN']),
  ) as Record<(typeof ROLES)[number], Outcome>;
  return {
    anonymous: 'UNAUTHENTICATED',
    revoked: 'UNAUTHENTICATED',
    worker: 'FORBIDDEN',
    outsider: 'NOT_FOUND',
    ...byRole,
    ...overrides,
  };
}

/** Any logged-in user (their own data); no worker token. */
const anyUser: Expected = {
  anonymous: 'UNAUTHENTICATED',
  revoked: 'UNAUTHENTICATED',
  worker: 'FORBIDDEN',
  outsider: 'ok',
  viewer: 'ok',
  member: 'ok',
  admin: 'ok',
  owner: 'ok',
};

/** Open to everyone but worker tokens (and a bad token is refused before anything runs). */
const everyone: Expected = { ...anyUser, anonymous: 'ok' };

/** Only the worker token of the team. */
const workerOnly: Expected = {
  anonymous: 'UNAUTHENTICATED',
  revoked: 'UNAUTHENTICATED',
  worker: 'ok',
  outsider: 'FORBIDDEN',
  viewer: 'FORBIDDEN',
  member: 'FORBIDDEN',
  admin: 'FORBIDDEN',
  owner: 'FORBIDDEN',
};

const q = (query: GraphQLDocument, variables?: Loose): Cell => ({
  query: String(query),
  variables,
});
const gql = (f: Fixtures, query: GraphQLDocument, variables?: Loose) =>
  f.owner.gql(query, variables);

/** Fresh things the owner makes for a cell that consumes one. */
const fresh = {
  async project(f: Fixtures) {
    const data = await gql(
      f,
      `mutation($t: ID!, $n: String!) { createProject(input: { teamId: $t, name: $n }) { id } }`,
      { t: f.teamId, n: `p ${unique()}` },
    );
    return data.createProject.id as string;
  },
  async dataset(f: Fixtures) {
    const data = await gql(
      f,
      `mutation($t: ID!) { createDataset(input: { teamId: $t, name: "d", classNames: ["a"], trainSamples: 1, validationSamples: 1, spec: { kind: "mnist", classes: [1] } }) { id } }`,
      { t: f.teamId },
    );
    return data.createDataset.id as string;
  },
  async model(f: Fixtures) {
    const data = await gql(
      f,
      `mutation($input: CreateModelInput!) { createModel(input: $input) { id } }`,
      { input: sourceModelInput(f.teamId) },
    );
    return data.createModel.id as string;
  },
  async experiment(f: Fixtures) {
    const data = await gql(f, CREATE_EXPERIMENT, { input: experimentInput(f) });
    return data.createExperiment.id as string;
  },
  async run(f: Fixtures, external = true) {
    const data = await gql(
      f,
      `mutation($e: ID!, $x: Boolean!) { createRun(input: { experimentId: $e, frozenLayers: 0, learningRate: 0.01, external: $x }) { id } }`,
      { e: f.experimentId, x: external },
    );
    return data.createRun.id as string;
  },
  async user(f: Fixtures) {
    const email = `extra-${unique()}@example.test`;
    const client = new ApiClient(f.url);
    const data = await client.gql(SIGN_UP, {
      input: { email, password: 'extra user password', name: 'Extra' },
    });
    return { id: data.signUp.id as string, email, client };
  },
  /** An open invitation of `teamId` (team A unless given) to `email` (a fresh address unless given). */
  async invitation(f: Fixtures, email = `invited-${unique()}@example.test`, teamId = f.teamId) {
    const data = await gql(f, INVITE_MEMBER, { input: { teamId, email, role: 'VIEWER' } });
    return data.inviteTeamMember.id as string;
  },
  /** For an invitee's cell: the outsider's own invitation to a scratch team, else someone else's. */
  async invitationFor(f: Fixtures, who: Principal) {
    if (who !== 'outsider') return fresh.invitation(f);
    const scratch = await gql(f, `mutation { createTeam(input: { name: "scratch" }) { id } }`);
    return fresh.invitation(f, f.accounts.outsider!.email, scratch.createTeam.id as string);
  },
  /** A user who is a VIEWER of team A. */
  async teamViewer(f: Fixtures) {
    const user = await fresh.user(f);
    const id = await fresh.invitation(f, user.email);
    await user.client.gql(ACCEPT_INVITATION, { id });
    return user;
  },
  /** A team where the principals hold the same roles as in team A. */
  async team(f: Fixtures) {
    const data = await gql(f, `mutation { createTeam(input: { name: "scratch" }) { id } }`);
    const teamId = data.createTeam.id as string;
    for (const role of ['admin', 'member', 'viewer'] as const) {
      const invited = await gql(f, INVITE_MEMBER, {
        input: { teamId, email: f.accounts[role]!.email, role: role.toUpperCase() },
      });
      await f.clients[role].gql(ACCEPT_INVITATION, { id: invited.inviteTeamMember.id });
    }
    return teamId;
  },
  /** A worker of team A in the registry (its own worker token, one claim), by Worker.id. */
  async worker(f: Fixtures) {
    const made = await gql(
      f,
      `mutation($t: ID!) { createApiToken(input: { name: "worker to revoke", teamId: $t, role: WORKER }) { token } }`,
      { t: f.teamId },
    );
    const workerId = `revoke:${unique()}`;
    const client = new ApiClient(f.url);
    client.token = made.createApiToken.token as string;
    // PRETRAIN only: team A queues no pretraining, so the claim takes nothing.
    await client.gql(`mutation($input: ClaimRunInput!) { claimRun(input: $input) { runId } }`, {
      input: { workerId, capabilities: { ...CAPABILITIES, kinds: ['PRETRAIN'] } },
    });
    const listed = await gql(f, `query($t: ID!) { team(id: $t) { workers { id workerId } } }`, {
      t: f.teamId,
    });
    const workers = listed.team.workers as { id: string; workerId: string }[];
    return workers.find((worker) => worker.workerId === workerId)!.id;
  },
  async token(f: Fixtures) {
    const data = await gql(
      f,
      `mutation($t: ID!) { createApiToken(input: { name: "to revoke", teamId: $t }) { apiToken { id } } }`,
      { t: f.teamId },
    );
    return data.createApiToken.apiToken.id as string;
  },
};

function experimentInput(f: Fixtures): Loose {
  return {
    projectId: f.projectId,
    sourceModelId: f.modelId,
    targetDatasetId: f.datasetId,
    sweep: { frozenLayers: [0], learningRates: [0.01], seeds: [1], epochs: 1 },
  };
}

/** A worker's own run for calls that end it; any principal but the worker gets the held one. */
async function runFor(f: Fixtures, who: Principal): Promise<ClaimedRun> {
  if (who !== 'worker') return f.held;
  const run = await claimWith(f.clients.worker);
  if (!run) throw new Error('no queued run left for the worker');
  return run;
}

/**
 * A scoring job the worker token holds (queued for a fresh model, then claimed); the other
 * principals are refused before their ids are looked at, so they get one that does not exist.
 */
async function scoreJobFor(f: Fixtures, who: Principal) {
  if (who !== 'worker') return { scoreId: '00000000-0000-4000-8000-000000000000', leaseToken: 'x' };
  await gql(f, SCORE_SOURCE_MODELS, {
    input: { datasetId: f.datasetId, modelIds: [await fresh.model(f)] },
  });
  const data = await f.clients.worker.gql(CLAIM_SCORE_JOB, {
    input: { workerId: `matrix:${unique()}`, capabilities: CAPABILITIES },
  });
  const job = data.claimScoreJob as { scoreId: string; leaseToken: string } | null;
  if (!job) throw new Error('no scoring job for the worker');
  return { scoreId: job.scoreId, leaseToken: job.leaseToken };
}

let step = 0;

/**
 * Every root field of the schema with what each principal gets. A new operation without a row
 * fails the matrix test; so does a row for an operation the schema no longer has.
 */
export const MATRIX: MatrixRow[] = [
  // ---- accounts
  {
    operation: 'signUp',
    expected: everyone,
    build: async () =>
      q(SIGN_UP, {
        input: { email: `new-${unique()}@example.test`, password: 'a long password', name: 'N' },
      }),
  },
  {
    operation: 'logIn',
    expected: { ...everyone, outsider: 'ok' },
    build: async (f, who) => {
      const account = f.accounts[who] ?? f.accounts.owner!;
      return q(`mutation($input: LogInInput!) { logIn(input: $input) { id } }`, {
        input: account,
      });
    },
  },
  {
    operation: 'logOut',
    expected: everyone,
    // A session of its own, so the principal's session survives.
    build: async (f, who) => {
      const account = f.accounts[who];
      const client = new ApiClient(f.url);
      client.token = f.clients[who].token;
      if (account)
        await client.gql(`mutation($input: LogInInput!) { logIn(input: $input) { id } }`, {
          input: account,
        });
      return { query: `mutation { logOut }`, client };
    },
  },
  { operation: 'me', expected: anyUser, build: async () => q(`{ me { id } }`) },
  // ---- teams and members
  { operation: 'teams', expected: anyUser, build: async () => q(`{ teams { nodes { id } } }`) },
  {
    operation: 'createTeam',
    expected: anyUser,
    build: async () => q(`mutation { createTeam(input: { name: "made by a cell" }) { id } }`),
  },
  {
    operation: 'team',
    expected: team('viewer'),
    build: async (f) => q(`query($id: ID!) { team(id: $id) { id name } }`, { id: f.teamId }),
  },
  {
    operation: 'updateTeam',
    expected: team('admin'),
    build: async (f) =>
      q(`mutation($id: ID!) { updateTeam(input: { id: $id, name: "team A" }) { id } }`, {
        id: f.teamId,
      }),
  },
  {
    operation: 'deleteTeam',
    expected: team('owner'),
    build: async (f) =>
      q(`mutation($id: ID!) { deleteTeam(id: $id) }`, { id: await fresh.team(f) }),
  },
  {
    operation: 'inviteTeamMember',
    expected: team('admin'),
    build: async (f) =>
      q(INVITE_MEMBER, {
        input: { teamId: f.teamId, email: `cell-${unique()}@example.test`, role: 'VIEWER' },
      }),
  },
  {
    operation: 'revokeInvitation',
    expected: team('admin'),
    build: async (f) =>
      q(`mutation($id: ID!) { revokeInvitation(id: $id) }`, { id: await fresh.invitation(f) }),
  },
  {
    // Only the invited account may answer: everyone else's answer is NOT_FOUND.
    operation: 'acceptInvitation',
    expected: {
      ...team('owner'),
      viewer: 'NOT_FOUND',
      member: 'NOT_FOUND',
      admin: 'NOT_FOUND',
      owner: 'NOT_FOUND',
      outsider: 'ok',
    },
    build: async (f, who) => q(ACCEPT_INVITATION, { id: await fresh.invitationFor(f, who) }),
  },
  {
    operation: 'declineInvitation',
    expected: {
      ...team('owner'),
      viewer: 'NOT_FOUND',
      member: 'NOT_FOUND',
      admin: 'NOT_FOUND',
      owner: 'NOT_FOUND',
      outsider: 'ok',
    },
    build: async (f, who) =>
      q(`mutation($id: ID!) { declineInvitation(id: $id) }`, {
        id: await fresh.invitationFor(f, who),
      }),
  },
  {
    // In a scratch team with the same roles: its only owner cannot leave.
    operation: 'leaveTeam',
    expected: team('viewer', { owner: 'CONFLICT' }),
    build: async (f) =>
      q(`mutation($id: ID!) { leaveTeam(teamId: $id) }`, { id: await fresh.team(f) }),
  },
  {
    operation: 'updateTeamMember',
    expected: team('admin'),
    build: async (f) =>
      q(
        `mutation($t: ID!, $u: ID!) { updateTeamMember(input: { teamId: $t, userId: $u, role: MEMBER }) { id } }`,
        { t: f.teamId, u: (await fresh.teamViewer(f)).id },
      ),
  },
  {
    operation: 'removeTeamMember',
    expected: team('admin'),
    build: async (f) =>
      q(`mutation($t: ID!, $u: ID!) { removeTeamMember(teamId: $t, userId: $u) }`, {
        t: f.teamId,
        u: (await fresh.teamViewer(f)).id,
      }),
  },
  // ---- tokens
  {
    operation: 'apiTokens',
    expected: anyUser,
    build: async () => q(`{ apiTokens { nodes { id } } }`),
  },
  {
    operation: 'teamApiTokens',
    expected: team('admin'),
    build: async (f) =>
      q(`query($t: ID!) { teamApiTokens(teamId: $t) { nodes { id } } }`, { t: f.teamId }),
  },
  {
    operation: 'createApiToken',
    expected: team('viewer'),
    build: async (f) =>
      q(`mutation($t: ID!) { createApiToken(input: { name: "cell", teamId: $t }) { token } }`, {
        t: f.teamId,
      }),
  },
  {
    operation: 'revokeApiToken',
    expected: team('admin'),
    build: async (f) =>
      q(`mutation($id: ID!) { revokeApiToken(id: $id) { id } }`, { id: await fresh.token(f) }),
  },
  {
    operation: 'revokeWorker',
    expected: team('admin'),
    build: async (f) =>
      q(`mutation($t: ID!, $w: ID!) { revokeWorker(teamId: $t, workerId: $w) }`, {
        t: f.teamId,
        w: await fresh.worker(f),
      }),
  },
  // ---- projects
  {
    operation: 'projects',
    expected: team('viewer'),
    build: async (f) =>
      q(`query($t: ID!) { projects(teamId: $t) { nodes { id } } }`, { t: f.teamId }),
  },
  {
    operation: 'project',
    expected: team('viewer'),
    build: async (f) => q(`query($id: ID!) { project(id: $id) { id } }`, { id: f.projectId }),
  },
  {
    operation: 'createProject',
    expected: team('member'),
    build: async (f) =>
      q(`mutation($t: ID!) { createProject(input: { teamId: $t, name: "cell" }) { id } }`, {
        t: f.teamId,
      }),
  },
  {
    operation: 'updateProject',
    expected: team('member'),
    build: async (f) =>
      q(`mutation($id: ID!) { updateProject(input: { id: $id, description: "cell" }) { id } }`, {
        id: f.projectId,
      }),
  },
  {
    operation: 'deleteProject',
    expected: team('admin'),
    build: async (f) =>
      q(`mutation($id: ID!) { deleteProject(id: $id) }`, { id: await fresh.project(f) }),
  },
  // ---- datasets
  {
    operation: 'datasets',
    expected: team('viewer'),
    build: async (f) =>
      q(`query($t: ID!) { datasets(teamId: $t) { nodes { id } } }`, { t: f.teamId }),
  },
  {
    operation: 'dataset',
    expected: team('viewer'),
    build: async (f) => q(`query($id: ID!) { dataset(id: $id) { id } }`, { id: f.datasetId }),
  },
  {
    operation: 'createDataset',
    expected: team('member'),
    build: async (f) =>
      q(
        `mutation($t: ID!) { createDataset(input: { teamId: $t, name: "cell", classNames: ["a"], trainSamples: 1, validationSamples: 1, spec: { kind: "mnist", classes: [1] } }) { id } }`,
        { t: f.teamId },
      ),
  },
  {
    operation: 'createDatasetFromUpload',
    expected: team('member'),
    // Each allowed principal makes its own upload (an upload belongs to whoever sent it).
    build: async (f, who) => {
      let uploadId = 'no-such-upload';
      if (['member', 'admin', 'owner'].includes(who))
        uploadId = await tusClient(f.url, f.clients[who]).upload(
          makeZip(datasetEntries(['a', 'b'], 2)),
          { teamId: f.teamId },
        );
      return q(
        `mutation($input: CreateDatasetFromUploadInput!) { createDatasetFromUpload(input: $input) { id } }`,
        { input: { teamId: f.teamId, name: `upload-${who}`, uploadId } },
      );
    },
  },
  {
    operation: 'updateDataset',
    expected: team('member'),
    build: async (f) =>
      q(`mutation($id: ID!) { updateDataset(input: { id: $id, name: "MNIST 5–9" }) { id } }`, {
        id: f.datasetId,
      }),
  },
  {
    operation: 'deleteDataset',
    expected: team('member'),
    build: async (f) =>
      q(`mutation($id: ID!) { deleteDataset(id: $id) }`, { id: await fresh.dataset(f) }),
  },
  // ---- models
  {
    operation: 'models',
    expected: team('viewer'),
    build: async (f) =>
      q(`query($t: ID!) { models(teamId: $t) { nodes { id } } }`, { t: f.teamId }),
  },
  {
    operation: 'model',
    expected: team('viewer'),
    build: async (f) => q(`query($id: ID!) { model(id: $id) { id } }`, { id: f.modelId }),
  },
  {
    operation: 'createModel',
    expected: team('member'),
    build: async (f) =>
      q(`mutation($input: CreateModelInput!) { createModel(input: $input) { id } }`, {
        input: sourceModelInput(f.teamId),
      }),
  },
  {
    operation: 'updateModel',
    expected: team('member'),
    build: async (f) =>
      q(`mutation($id: ID!) { updateModel(input: { id: $id, name: "small-cnn" }) { id } }`, {
        id: f.modelId,
      }),
  },
  {
    operation: 'deleteModel',
    expected: team('member'),
    build: async (f) =>
      q(`mutation($id: ID!) { deleteModel(id: $id) }`, { id: await fresh.model(f) }),
  },
  {
    operation: 'pretrainModel',
    expected: team('member'),
    build: async (f) =>
      q(
        `mutation($t: ID!, $d: ID!) { pretrainModel(input: { teamId: $t, name: "cell", architecture: "small-cnn", datasetId: $d, epochs: 1 }) { id } }`,
        { t: f.teamId, d: f.datasetId },
      ),
  },
  // ---- experiments
  {
    operation: 'experiments',
    expected: team('viewer'),
    build: async (f) =>
      q(`query($p: ID!) { experiments(projectId: $p) { nodes { id } } }`, { p: f.projectId }),
  },
  {
    operation: 'experiment',
    expected: team('viewer'),
    build: async (f) => q(`query($id: ID!) { experiment(id: $id) { id } }`, { id: f.experimentId }),
  },
  {
    operation: 'createExperiment',
    expected: team('member'),
    build: async (f) => q(CREATE_EXPERIMENT, { input: experimentInput(f) }),
  },
  {
    operation: 'updateExperiment',
    expected: team('member'),
    build: async (f) =>
      q(`mutation($id: ID!) { updateExperiment(input: { id: $id, name: "cell" }) { id } }`, {
        id: f.experimentId,
      }),
  },
  {
    operation: 'deleteExperiment',
    expected: team('member'),
    build: async (f) =>
      q(`mutation($id: ID!) { deleteExperiment(id: $id) }`, { id: await fresh.experiment(f) }),
  },
  {
    operation: 'startExperiment',
    expected: team('member'),
    build: async (f) =>
      q(`mutation($id: ID!) { startExperiment(id: $id) { id } }`, { id: f.experimentId }),
  },
  // ---- runs and metrics
  {
    operation: 'runs',
    expected: team('viewer'),
    build: async (f) =>
      q(`query($e: ID!) { runs(experimentId: $e) { nodes { id } } }`, { e: f.experimentId }),
  },
  {
    operation: 'run',
    expected: team('viewer'),
    build: async (f) => q(`query($id: ID!) { run(id: $id) { id } }`, { id: f.runId }),
  },
  {
    operation: 'createRun',
    expected: team('member'),
    build: async (f) =>
      q(
        `mutation($e: ID!) { createRun(input: { experimentId: $e, frozenLayers: 0, learningRate: 0.1 }) { id } }`,
        { e: f.experimentId },
      ),
  },
  {
    operation: 'updateRun',
    expected: team('member'),
    build: async (f) =>
      q(`mutation($id: ID!) { updateRun(input: { id: $id, wallSeconds: 1 }) { id } }`, {
        id: f.runId,
      }),
  },
  {
    operation: 'deleteRun',
    expected: team('member'),
    build: async (f) => q(`mutation($id: ID!) { deleteRun(id: $id) }`, { id: await fresh.run(f) }),
  },
  {
    operation: 'cancelRun',
    expected: team('member'),
    build: async (f) =>
      q(`mutation($id: ID!) { cancelRun(id: $id) { id } }`, { id: await fresh.run(f) }),
  },
  {
    operation: 'retryRun',
    expected: team('member'),
    build: async (f) => {
      const id = await fresh.run(f, false);
      await gql(f, `mutation($id: ID!) { cancelRun(id: $id) { id } }`, { id });
      return q(`mutation($id: ID!) { retryRun(id: $id) { id } }`, { id });
    },
  },
  {
    operation: 'metrics',
    expected: team('viewer'),
    build: async (f) =>
      q(`query($r: ID!) { metrics(runIds: [$r], keys: ["loss"], maxPoints: 50) { key } }`, {
        r: f.runId,
      }),
  },
  {
    operation: 'logMetrics',
    // Members log to any run of the team; the worker to the run it holds.
    expected: team('member', { worker: 'ok' }),
    build: async (f, who) =>
      who === 'worker'
        ? q(WORKER_LOG_METRICS, {
            runId: f.held.runId,
            points: [{ key: 'loss', step: step++, value: 0.5 }],
            leaseToken: f.held.leaseToken,
          })
        : q(LOG_METRICS, { runId: f.runId, points: [{ key: 'loss', step: step++, value: 0.5 }] }),
  },
  {
    operation: 'createArtifact',
    expected: team('member', { worker: 'ok' }),
    build: async (f, who) =>
      q(`mutation($input: CreateArtifactInput!) { createArtifact(input: $input) { id } }`, {
        input: {
          runId: who === 'worker' ? f.held.runId : f.runId,
          leaseToken: who === 'worker' ? f.held.leaseToken : undefined,
          kind: 'log',
          fileName: 'cell.log',
          byteSize: 1,
          sha256: '0'.repeat(64),
        },
      }),
  },
  // ---- the worker protocol
  {
    operation: 'claimRun',
    expected: workerOnly,
    build: async () =>
      q(`mutation($input: ClaimRunInput!) { claimRun(input: $input) { runId } }`, {
        input: { workerId: `cell:${unique()}`, capabilities: CAPABILITIES },
      }),
  },
  {
    operation: 'heartbeatRun',
    expected: workerOnly,
    build: async (f) =>
      q(HEARTBEAT_RUN, { input: { runId: f.held.runId, leaseToken: f.held.leaseToken } }),
  },
  {
    operation: 'recordCheckpoint',
    expected: workerOnly,
    build: async (f) =>
      q(RECORD_CHECKPOINT, {
        input: {
          runId: f.held.runId,
          leaseToken: f.held.leaseToken,
          epoch: 1,
          globalStep: 1,
          artifactIds: [],
        },
      }),
  },
  {
    operation: 'completeRun',
    expected: workerOnly,
    build: async (f, who) => q(COMPLETE_RUN, { input: aCompletion(await runFor(f, who)) }),
  },
  {
    operation: 'failRun',
    expected: workerOnly,
    build: async (f, who) => {
      const run = await runFor(f, who);
      return q(FAIL_RUN, {
        input: { runId: run.runId, leaseToken: run.leaseToken, error: 'cell' },
      });
    },
  },
  {
    operation: 'releaseRun',
    expected: workerOnly,
    build: async (f, who) => {
      const run = await runFor(f, who);
      return q(RELEASE_RUN, {
        input: { runId: run.runId, leaseToken: run.leaseToken, reason: 'cell' },
      });
    },
  },
  // ---- source-model scoring
  {
    operation: 'scoreSourceModels',
    expected: team('member'),
    build: async (f) =>
      q(SCORE_SOURCE_MODELS, { input: { datasetId: f.datasetId, modelIds: [f.modelId] } }),
  },
  {
    operation: 'sourceModelScores',
    expected: team('viewer'),
    build: async (f) => q(SOURCE_MODEL_SCORES, { datasetId: f.datasetId }),
  },
  {
    operation: 'claimScoreJob',
    expected: workerOnly,
    build: async () =>
      q(CLAIM_SCORE_JOB, { input: { workerId: `cell:${unique()}`, capabilities: CAPABILITIES } }),
  },
  {
    operation: 'completeScoreJob',
    expected: workerOnly,
    build: async (f, who) =>
      q(COMPLETE_SCORE_JOB, {
        input: {
          ...(await scoreJobFor(f, who)),
          logMe: -1,
          featureDimension: 8,
          samples: 2,
          seconds: 0.1,
        },
      }),
  },
  {
    operation: 'failScoreJob',
    expected: workerOnly,
    build: async (f, who) =>
      q(FAIL_SCORE_JOB, { input: { ...(await scoreJobFor(f, who)), error: 'cell' } }),
  },
  // ---- subscriptions (graphql-ws; a refused socket is closed with 4403)
  {
    operation: 'runUpdated',
    expected: team('viewer', { revoked: 'FORBIDDEN', anonymous: 'UNAUTHENTICATED' }),
    build: async (f) => q(RUN_UPDATED, { experimentId: f.experimentId }),
    trigger: (f) =>
      gql(
        f,
        `mutation($id: ID!) { updateRun(input: { id: $id, wallSeconds: ${step++} }) { id } }`,
        {
          id: f.runId,
        },
      ),
  },
  {
    operation: 'metricsAppended',
    expected: team('viewer', { revoked: 'FORBIDDEN', anonymous: 'UNAUTHENTICATED' }),
    build: async (f) => q(METRICS_APPENDED, { runId: f.runId }),
    trigger: (f) =>
      gql(f, LOG_METRICS, { runId: f.runId, points: [{ key: 'loss', step: step++, value: 1 }] }),
  },
];
