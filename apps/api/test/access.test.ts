import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.js';
import {
  aDataset,
  addMember,
  INVITE_MEMBER,
  aProject,
  aSourceModel,
  aTeam,
  anExperiment,
  aUser,
  LOG_METRICS,
  runIds,
  SMALL_CNN_LAYERS,
} from './factories/builders.js';
import type { ApiClient, Loose } from './factories/client.js';

let t: TestServer;
let owner: ApiClient;
let outsider: ApiClient;
let outsiderTeamId: string;
/** Everything the victim team owns. */
const ids: Record<string, string> = {};

beforeAll(async () => {
  t = await startTestServer();
  const victim = await aUser(t.url);
  owner = victim.client;
  const team = await aTeam(owner, { name: 'victim' });
  const made = await anExperiment(owner, team.id);
  const [runId] = await runIds(owner, made.experiment.id);
  await owner.gql(LOG_METRICS, { runId, points: [{ key: 'loss', step: 0, value: 1 }] });
  const token = await owner.gql(
    `mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { apiToken { id } } }`,
    { input: { name: 'victim token', teamId: team.id } },
  );
  Object.assign(ids, {
    team: team.id,
    ownerId: (await owner.gql('{ me { id } }')).me.id,
    project: made.project.id,
    dataset: made.dataset.id,
    model: made.model.id,
    experiment: made.experiment.id,
    run: runId,
    token: token.createApiToken.apiToken.id,
    invitation: (
      await owner.gql(INVITE_MEMBER, {
        input: { teamId: team.id, email: 'invited@example.test', role: 'MEMBER' },
      })
    ).inviteTeamMember.id,
  });
  const attacker = await aUser(t.url);
  outsider = attacker.client;
  outsiderTeamId = (await aTeam(outsider, { name: 'attacker' })).id;
  ids.outsiderProject = (await aProject(outsider, outsiderTeamId)).id;
  ids.outsiderModel = (await aSourceModel(outsider, outsiderTeamId)).id;
  ids.outsiderDataset = (await aDataset(outsider, outsiderTeamId)).id;
});
afterAll(async () => {
  await t?.stop();
});

/** Every row the victim team owns, to prove nothing changed. */
async function snapshot() {
  const tables = [
    'teams',
    'memberships',
    'team_invitations',
    'projects',
    'datasets',
    'models',
    'experiments',
    'runs',
  ];
  const out: Record<string, unknown> = {};
  for (const table of tables)
    out[table] = await t.sql(
      `SELECT * FROM ${table} WHERE ${table === 'teams' ? 'id' : 'team_id'} = $1 ORDER BY id`,
      [ids.team],
    );
  out.metric_points = await t.sql('SELECT * FROM metric_points WHERE run_id = $1', [ids.run]);
  out.api_tokens = await t.sql('SELECT id, revoked_at FROM api_tokens WHERE team_id = $1', [
    ids.team,
  ]);
  return out;
}

const model = (teamId: string, extra: Loose = {}) => ({
  teamId,
  name: 'm',
  kind: 'SOURCE',
  architecture: 'small-cnn',
  inputShape: [28, 28, 1],
  layers: SMALL_CNN_LAYERS,
  totalParams: 1,
  trainableParams: 1,
  ...extra,
});

/** [name, query, variables] for every operation that takes an id of the victim team. */
const CROSS_TEAM: [string, string, () => Loose][] = [
  ['team', `query($id: ID!) { team(id: $id) { id name } }`, () => ({ id: ids.team })],
  [
    'updateTeam',
    `mutation($id: ID!) { updateTeam(input: { id: $id, name: "pwned" }) { id } }`,
    () => ({ id: ids.team }),
  ],
  ['deleteTeam', `mutation($id: ID!) { deleteTeam(id: $id) }`, () => ({ id: ids.team })],
  [
    'inviteTeamMember',
    `mutation($id: ID!, $email: String!) { inviteTeamMember(input: { teamId: $id, email: $email, role: OWNER }) { id } }`,
    () => ({ id: ids.team, email: 'x@example.test' }),
  ],
  [
    'team.invitations',
    `query($id: ID!) { team(id: $id) { invitations { id email } } }`,
    () => ({ id: ids.team }),
  ],
  [
    'revokeInvitation',
    `mutation($id: ID!) { revokeInvitation(id: $id) }`,
    () => ({ id: ids.invitation }),
  ],
  [
    'acceptInvitation of someone else',
    `mutation($id: ID!) { acceptInvitation(id: $id) { id } }`,
    () => ({ id: ids.invitation }),
  ],
  [
    'declineInvitation of someone else',
    `mutation($id: ID!) { declineInvitation(id: $id) }`,
    () => ({ id: ids.invitation }),
  ],
  ['leaveTeam', `mutation($id: ID!) { leaveTeam(teamId: $id) }`, () => ({ id: ids.team })],
  [
    'updateTeamMember',
    `mutation($id: ID!, $user: ID!) { updateTeamMember(input: { teamId: $id, userId: $user, role: VIEWER }) { id } }`,
    () => ({ id: ids.team, user: ids.ownerId }),
  ],
  [
    'removeTeamMember',
    `mutation($id: ID!, $user: ID!) { removeTeamMember(teamId: $id, userId: $user) }`,
    () => ({ id: ids.team, user: ids.ownerId }),
  ],
  [
    'teamApiTokens',
    `query($id: ID!) { teamApiTokens(teamId: $id) { nodes { id } } }`,
    () => ({ id: ids.team }),
  ],
  [
    'revokeApiToken',
    `mutation($id: ID!) { revokeApiToken(id: $id) { id } }`,
    () => ({ id: ids.token }),
  ],
  [
    'createApiToken for the team',
    `mutation($id: ID!) { createApiToken(input: { name: "x", teamId: $id }) { token } }`,
    () => ({ id: ids.team }),
  ],
  [
    'projects',
    `query($id: ID!) { projects(teamId: $id) { nodes { id } } }`,
    () => ({ id: ids.team }),
  ],
  ['project', `query($id: ID!) { project(id: $id) { id name } }`, () => ({ id: ids.project })],
  [
    'createProject',
    `mutation($id: ID!) { createProject(input: { teamId: $id, name: "x" }) { id } }`,
    () => ({ id: ids.team }),
  ],
  [
    'updateProject',
    `mutation($id: ID!) { updateProject(input: { id: $id, name: "pwned" }) { id } }`,
    () => ({ id: ids.project }),
  ],
  ['deleteProject', `mutation($id: ID!) { deleteProject(id: $id) }`, () => ({ id: ids.project })],
  [
    'datasets',
    `query($id: ID!) { datasets(teamId: $id) { nodes { id } } }`,
    () => ({ id: ids.team }),
  ],
  ['dataset', `query($id: ID!) { dataset(id: $id) { id } }`, () => ({ id: ids.dataset })],
  [
    'createDataset',
    `mutation($id: ID!) { createDataset(input: { teamId: $id, name: "x", classNames: ["a"], trainSamples: 1, validationSamples: 1, spec: { kind: "mnist", classes: [1] } }) { id } }`,
    () => ({ id: ids.team }),
  ],
  [
    'updateDataset',
    `mutation($id: ID!) { updateDataset(input: { id: $id, name: "pwned" }) { id } }`,
    () => ({ id: ids.dataset }),
  ],
  ['deleteDataset', `mutation($id: ID!) { deleteDataset(id: $id) }`, () => ({ id: ids.dataset })],
  ['models', `query($id: ID!) { models(teamId: $id) { nodes { id } } }`, () => ({ id: ids.team })],
  ['model', `query($id: ID!) { model(id: $id) { id } }`, () => ({ id: ids.model })],
  [
    'createModel',
    `mutation($input: CreateModelInput!) { createModel(input: $input) { id } }`,
    () => ({ input: model(ids.team) }),
  ],
  [
    'createModel with a foreign parent',
    `mutation($input: CreateModelInput!) { createModel(input: $input) { id } }`,
    () => ({
      input: model(outsiderTeamId, {
        kind: 'TARGET',
        parentModelId: ids.model,
        surgery: {
          cutLayer: 'dense1',
          headUnits: 5,
          frozenLayers: 1,
          frozenLayerNames: ['conv1'],
          learningRate: 0.01,
        },
      }),
    }),
  ],
  [
    'createModel with a foreign dataset',
    `mutation($input: CreateModelInput!) { createModel(input: $input) { id } }`,
    () => ({ input: model(outsiderTeamId, { datasetId: ids.dataset }) }),
  ],
  [
    'updateModel',
    `mutation($id: ID!) { updateModel(input: { id: $id, name: "pwned" }) { id } }`,
    () => ({ id: ids.model }),
  ],
  ['deleteModel', `mutation($id: ID!) { deleteModel(id: $id) }`, () => ({ id: ids.model })],
  [
    'experiments',
    `query($id: ID!) { experiments(projectId: $id) { nodes { id } } }`,
    () => ({ id: ids.project }),
  ],
  [
    'experiment',
    `query($id: ID!) { experiment(id: $id) { id grid(metric: "loss", summary: BEST) { cells { mean } } } }`,
    () => ({ id: ids.experiment }),
  ],
  [
    'createExperiment in a foreign project',
    `mutation($p: ID!, $m: ID!, $d: ID!) { createExperiment(input: { projectId: $p, sourceModelId: $m, targetDatasetId: $d, sweep: { frozenLayers: [0], learningRates: [0.1] } }) { id } }`,
    () => ({ p: ids.project, m: ids.outsiderModel, d: ids.outsiderDataset }),
  ],
  [
    'createExperiment from a foreign model',
    `mutation($p: ID!, $m: ID!, $d: ID!) { createExperiment(input: { projectId: $p, sourceModelId: $m, targetDatasetId: $d, sweep: { frozenLayers: [0], learningRates: [0.1] } }) { id } }`,
    () => ({ p: ids.outsiderProject, m: ids.model, d: ids.outsiderDataset }),
  ],
  [
    'createExperiment on a foreign dataset',
    `mutation($p: ID!, $m: ID!, $d: ID!) { createExperiment(input: { projectId: $p, sourceModelId: $m, targetDatasetId: $d, sweep: { frozenLayers: [0], learningRates: [0.1] } }) { id } }`,
    () => ({ p: ids.outsiderProject, m: ids.outsiderModel, d: ids.dataset }),
  ],
  [
    'updateExperiment',
    `mutation($id: ID!) { updateExperiment(input: { id: $id, name: "pwned" }) { id } }`,
    () => ({ id: ids.experiment }),
  ],
  [
    'deleteExperiment',
    `mutation($id: ID!) { deleteExperiment(id: $id) }`,
    () => ({ id: ids.experiment }),
  ],
  [
    'runs',
    `query($id: ID!) { runs(experimentId: $id) { nodes { id } } }`,
    () => ({ id: ids.experiment }),
  ],
  ['run', `query($id: ID!) { run(id: $id) { id } }`, () => ({ id: ids.run })],
  [
    'createRun',
    `mutation($id: ID!) { createRun(input: { experimentId: $id, frozenLayers: 0, learningRate: 0.1 }) { id } }`,
    () => ({ id: ids.experiment }),
  ],
  [
    'updateRun',
    `mutation($id: ID!) { updateRun(input: { id: $id, status: FAILED }) { id } }`,
    () => ({ id: ids.run }),
  ],
  ['deleteRun', `mutation($id: ID!) { deleteRun(id: $id) }`, () => ({ id: ids.run })],
  [
    'logMetrics',
    LOG_METRICS,
    () => ({ runId: ids.run, points: [{ key: 'loss', step: 0, value: 99 }] }),
  ],
  [
    'metrics',
    `query($id: ID!) { metrics(runIds: [$id], keys: ["loss"]) { values } }`,
    () => ({ id: ids.run }),
  ],
  [
    'startExperiment',
    `mutation($id: ID!) { startExperiment(id: $id) { id } }`,
    () => ({ id: ids.experiment }),
  ],
  ['cancelRun', `mutation($id: ID!) { cancelRun(id: $id) { id } }`, () => ({ id: ids.run })],
  ['retryRun', `mutation($id: ID!) { retryRun(id: $id) { id } }`, () => ({ id: ids.run })],
  [
    'createArtifact for a run',
    `mutation($id: ID!) { createArtifact(input: { runId: $id, kind: "log", fileName: "x.log", byteSize: 1, sha256: "${'0'.repeat(64)}" }) { id } }`,
    () => ({ id: ids.run }),
  ],
  [
    'createArtifact for a model',
    `mutation($id: ID!) { createArtifact(input: { modelId: $id, kind: "weights", fileName: "w.bin", byteSize: 1, sha256: "${'0'.repeat(64)}" }) { id } }`,
    () => ({ id: ids.model }),
  ],
  [
    'heartbeatRun',
    `mutation($id: ID!) { heartbeatRun(input: { runId: $id, leaseToken: "x" }) { cancelled } }`,
    () => ({ id: ids.run }),
  ],
  [
    'failRun',
    `mutation($id: ID!) { failRun(input: { runId: $id, leaseToken: "x", error: "x" }) { id } }`,
    () => ({ id: ids.run }),
  ],
  [
    'releaseRun',
    `mutation($id: ID!) { releaseRun(input: { runId: $id, leaseToken: "x", reason: "x" }) { id } }`,
    () => ({ id: ids.run }),
  ],
  [
    'recordCheckpoint',
    `mutation($id: ID!) { recordCheckpoint(input: { runId: $id, leaseToken: "x", epoch: 1, globalStep: 1, artifactIds: [] }) { id } }`,
    () => ({ id: ids.run }),
  ],
  [
    'pretrainModel',
    `mutation($t: ID!, $d: ID!) { pretrainModel(input: { teamId: $t, name: "x", architecture: "small-cnn", datasetId: $d }) { id } }`,
    () => ({ t: ids.team, d: ids.dataset }),
  ],
  [
    'pretrainModel on a foreign dataset',
    `mutation($t: ID!, $d: ID!) { pretrainModel(input: { teamId: $t, name: "x", architecture: "small-cnn", datasetId: $d }) { id } }`,
    () => ({ t: outsiderTeamId, d: ids.dataset }),
  ],
  [
    'createApiToken WORKER for the team',
    `mutation($id: ID!) { createApiToken(input: { name: "w", teamId: $id, role: WORKER }) { token } }`,
    () => ({ id: ids.team }),
  ],
];

describe('a member of another team', () => {
  it.each(CROSS_TEAM)(
    '%s → NOT_FOUND or FORBIDDEN, data unchanged',
    async (_name, query, variables) => {
      const before = await snapshot();
      const response = await outsider.request(query, variables());
      expect(['NOT_FOUND', 'FORBIDDEN']).toContain(response.errors?.[0]?.extensions?.code);
      expect(JSON.stringify(response.data ?? null)).not.toMatch(/victim|pwned/);
      expect(await snapshot()).toEqual(before);
    },
  );

  it('ids that are not UUIDs are NOT_FOUND, not errors', async () => {
    expect(await outsider.code(`query { project(id: "1 OR 1=1") { id } }`)).toBe('NOT_FOUND');
  });
});

describe('roles', () => {
  const members: Record<string, ApiClient> = {};
  const roleIds: Record<string, string> = {};
  let teamId: string;
  let runId: string;
  let projectId: string;
  let experimentId: string;
  let modelId: string;

  beforeAll(async () => {
    const { client } = await aUser(t.url);
    members.OWNER = client;
    teamId = (await aTeam(client, { name: 'roles' })).id;
    for (const role of ['ADMIN', 'MEMBER', 'VIEWER']) {
      const user = await aUser(t.url);
      await addMember(client, teamId, user, role);
      members[role] = user.client;
      roleIds[role] = user.user.id;
    }
    const made = await anExperiment(client, teamId);
    [runId] = await runIds(client, made.experiment.id);
    projectId = made.project.id;
    experimentId = made.experiment.id;
    modelId = made.model.id;
  });

  const outsider = () => aUser(t.url).then((u) => u.user.email);

  const ROLE_TABLE: [string, string, string, () => Promise<Loose>, 'ok' | 'FORBIDDEN'][] = [
    [
      'VIEWER',
      'reads a project',
      `query($p: ID!) { project(id: $p) { id } }`,
      async () => ({ p: projectId }),
      'ok',
    ],
    [
      'VIEWER',
      'reads curves',
      `query($r: ID!) { metrics(runIds: [$r], keys: ["loss"]) { key } }`,
      async () => ({ r: runId }),
      'ok',
    ],
    [
      'VIEWER',
      'creates a project',
      `mutation($t: ID!) { createProject(input: { teamId: $t, name: "v" }) { id } }`,
      async () => ({ t: teamId }),
      'FORBIDDEN',
    ],
    [
      'VIEWER',
      'creates a dataset',
      `mutation($t: ID!) { createDataset(input: { teamId: $t, name: "v", classNames: ["a"], trainSamples: 1, validationSamples: 1, spec: { kind: "mnist", classes: [1] } }) { id } }`,
      async () => ({ t: teamId }),
      'FORBIDDEN',
    ],
    [
      'VIEWER',
      'logs metrics',
      LOG_METRICS,
      async () => ({ runId, points: [{ key: 'loss', step: 1, value: 1 }] }),
      'FORBIDDEN',
    ],
    [
      'VIEWER',
      'updates a run',
      `mutation($r: ID!) { updateRun(input: { id: $r, status: FAILED }) { id } }`,
      async () => ({ r: runId }),
      'FORBIDDEN',
    ],
    [
      'MEMBER',
      'logs metrics',
      LOG_METRICS,
      async () => ({ runId, points: [{ key: 'loss', step: 2, value: 1 }] }),
      'ok',
    ],
    [
      'MEMBER',
      'creates a dataset',
      `mutation($t: ID!) { createDataset(input: { teamId: $t, name: "m", classNames: ["a"], trainSamples: 1, validationSamples: 1, spec: { kind: "mnist", classes: [1] } }) { id } }`,
      async () => ({ t: teamId }),
      'ok',
    ],
    [
      'MEMBER',
      'invites a member',
      `mutation($t: ID!, $e: String!) { inviteTeamMember(input: { teamId: $t, email: $e, role: VIEWER }) { id } }`,
      async () => ({ t: teamId, e: await outsider() }),
      'FORBIDDEN',
    ],
    [
      'MEMBER',
      'changes a role',
      `mutation($t: ID!, $u: ID!) { updateTeamMember(input: { teamId: $t, userId: $u, role: ADMIN }) { id } }`,
      async () => ({ t: teamId, u: roleIds.VIEWER }),
      'FORBIDDEN',
    ],
    [
      'MEMBER',
      'removes a member',
      `mutation($t: ID!, $u: ID!) { removeTeamMember(teamId: $t, userId: $u) }`,
      async () => ({ t: teamId, u: roleIds.VIEWER }),
      'FORBIDDEN',
    ],
    [
      'MEMBER',
      'lists team tokens',
      `query($t: ID!) { teamApiTokens(teamId: $t) { nodes { id } } }`,
      async () => ({ t: teamId }),
      'FORBIDDEN',
    ],
    [
      'MEMBER',
      'renames the team',
      `mutation($t: ID!) { updateTeam(input: { id: $t, name: "x" }) { id } }`,
      async () => ({ t: teamId }),
      'FORBIDDEN',
    ],
    [
      'ADMIN',
      'invites a member',
      `mutation($t: ID!, $e: String!) { inviteTeamMember(input: { teamId: $t, email: $e, role: VIEWER }) { id } }`,
      async () => ({ t: teamId, e: await outsider() }),
      'ok',
    ],
    [
      'ADMIN',
      'invites an owner',
      `mutation($t: ID!, $e: String!) { inviteTeamMember(input: { teamId: $t, email: $e, role: OWNER }) { id } }`,
      async () => ({ t: teamId, e: await outsider() }),
      'FORBIDDEN',
    ],
    [
      'ADMIN',
      'lists team tokens',
      `query($t: ID!) { teamApiTokens(teamId: $t) { nodes { id } } }`,
      async () => ({ t: teamId }),
      'ok',
    ],
    [
      'ADMIN',
      'deletes the team',
      `mutation($t: ID!) { deleteTeam(id: $t) }`,
      async () => ({ t: teamId }),
      'FORBIDDEN',
    ],
    [
      'VIEWER',
      'starts an experiment',
      `mutation($e: ID!) { startExperiment(id: $e) { id } }`,
      async () => ({ e: experimentId }),
      'FORBIDDEN',
    ],
    [
      'VIEWER',
      'cancels a run',
      `mutation($r: ID!) { cancelRun(id: $r) { id } }`,
      async () => ({ r: runId }),
      'FORBIDDEN',
    ],
    [
      'VIEWER',
      'announces a model file',
      `mutation($m: ID!) { createArtifact(input: { modelId: $m, kind: "weights", fileName: "w.bin", byteSize: 1, sha256: "${'0'.repeat(64)}" }) { id } }`,
      async () => ({ m: modelId }),
      'FORBIDDEN',
    ],
    [
      'MEMBER',
      'starts an experiment',
      `mutation($e: ID!) { startExperiment(id: $e) { id } }`,
      async () => ({ e: experimentId }),
      'ok',
    ],
    [
      'MEMBER',
      'cancels a run',
      `mutation($r: ID!) { cancelRun(id: $r) { id } }`,
      async () => ({ r: runId }),
      'ok',
    ],
    [
      'MEMBER',
      'retries a run',
      `mutation($r: ID!) { retryRun(id: $r) { id } }`,
      async () => ({ r: runId }),
      'ok',
    ],
    [
      'MEMBER',
      'announces a model file',
      `mutation($m: ID!) { createArtifact(input: { modelId: $m, kind: "weights", fileName: "w.bin", byteSize: 1, sha256: "${'0'.repeat(64)}" }) { id } }`,
      async () => ({ m: modelId }),
      'ok',
    ],
    [
      'VIEWER',
      'pretrains a model',
      `mutation($t: ID!) { pretrainModel(input: { teamId: $t, name: "v", architecture: "small-cnn", datasetId: "00000000-0000-0000-0000-000000000000" }) { id } }`,
      async () => ({ t: teamId }),
      'FORBIDDEN',
    ],
    [
      'MEMBER',
      'makes a worker token',
      `mutation($t: ID!) { createApiToken(input: { name: "w", teamId: $t, role: WORKER }) { token } }`,
      async () => ({ t: teamId }),
      'FORBIDDEN',
    ],
    [
      'MEMBER',
      'claims a run',
      `mutation { claimRun(input: { workerId: "w", capabilities: { protocolVersion: 1, backends: [], device: "d", kinds: [FINETUNE], hostname: "h" } }) { runId } }`,
      async () => ({}),
      'FORBIDDEN',
    ],
    [
      'ADMIN',
      'makes a worker token',
      `mutation($t: ID!) { createApiToken(input: { name: "w", teamId: $t, role: WORKER }) { token } }`,
      async () => ({ t: teamId }),
      'ok',
    ],
    [
      'OWNER',
      'invites an owner',
      `mutation($t: ID!, $e: String!) { inviteTeamMember(input: { teamId: $t, email: $e, role: OWNER }) { id } }`,
      async () => ({ t: teamId, e: await outsider() }),
      'ok',
    ],
  ];

  it.each(ROLE_TABLE)('%s %s → %s', async (role, _what, query, variables, expected) => {
    const response = await members[role].request(query, await variables());
    if (expected === 'ok') expect(response.errors).toBeUndefined();
    else expect(response.errors?.[0]?.extensions?.code).toBe(expected);
  });
});
