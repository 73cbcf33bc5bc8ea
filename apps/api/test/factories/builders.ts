import { randomBytes } from 'node:crypto';
import { smallCnnLayers } from '@finetrack/shared/testing';
import { ApiClient, type Loose } from './client.js';

const unique = () => randomBytes(4).toString('hex');

export const SIGN_UP = `mutation SignUp($input: SignUpInput!) { signUp(input: $input) { id email name } }`;

/** A signed-up user with a logged-in browser client. */
export async function aUser(
  baseUrl: string,
  overrides: Partial<{ email: string; password: string; name: string }> = {},
) {
  const input = {
    email: `user-${unique()}@example.test`,
    password: 'correct horse battery',
    name: 'Test User',
    ...overrides,
  };
  const client = new ApiClient(baseUrl);
  const data = await client.gql(SIGN_UP, { input });
  return {
    client,
    user: data.signUp as { id: string; email: string; name: string },
    password: input.password,
  };
}

export async function aTeam(client: ApiClient, overrides: Partial<{ name: string }> = {}) {
  const data = await client.gql(
    `mutation($input: CreateTeamInput!) { createTeam(input: $input) { id name role } }`,
    { input: { name: `Team ${unique()}`, ...overrides } },
  );
  return data.createTeam as { id: string; name: string; role: string };
}

export const INVITE_MEMBER = `mutation($input: InviteTeamMemberInput!) {
  inviteTeamMember(input: $input) { id email role status expiresAt teamName }
}`;
export const ACCEPT_INVITATION = `mutation($id: ID!) { acceptInvitation(id: $id) { id role userId teamId } }`;

/** `client` (an admin or owner of the team) invites the invitee, who accepts: a member now. */
export async function addMember(
  client: ApiClient,
  teamId: string,
  invitee: { client: ApiClient; user: { email: string } },
  role: string,
) {
  const invited = await client.gql(INVITE_MEMBER, {
    input: { teamId, email: invitee.user.email, role },
  });
  const id = (invited.inviteTeamMember as { id: string }).id;
  const accepted = await invitee.client.gql(ACCEPT_INVITATION, { id });
  return accepted.acceptInvitation as { id: string; role: string; userId: string; teamId: string };
}

export async function aProject(client: ApiClient, teamId: string, overrides: Loose = {}) {
  const data = await client.gql(
    `mutation($input: CreateProjectInput!) { createProject(input: $input) { id name description teamId } }`,
    {
      input: { teamId, name: `Project ${unique()}`, description: 'digits 0–4 → 5–9', ...overrides },
    },
  );
  return data.createProject as { id: string; name: string; description: string; teamId: string };
}

export async function aDataset(client: ApiClient, teamId: string, overrides: Loose = {}) {
  const data = await client.gql(
    `mutation($input: CreateDatasetInput!) { createDataset(input: $input) { id name spec classNames } }`,
    {
      input: {
        teamId,
        name: `MNIST 5–9 ${unique()}`,
        classNames: ['5', '6', '7', '8', '9'],
        trainSamples: 1000,
        validationSamples: 200,
        spec: { kind: 'mnist', classes: [5, 6, 7, 8, 9] },
        ...overrides,
      },
    },
  );
  return data.createDataset as { id: string; name: string };
}

/** small-cnn with a 5-class head (digits 5–9), every layer trainable. */
export const SMALL_CNN_LAYERS = smallCnnLayers(5).map((layer) => ({ ...layer, trainable: true }));

/** A `CreateModelInput` for a small-cnn source model of `teamId`, with a unique name. */
export function sourceModelInput(teamId: string, overrides: Loose = {}): Loose {
  return {
    teamId,
    name: `small-cnn ${unique()}`,
    kind: 'SOURCE',
    architecture: 'small-cnn',
    inputShape: [28, 28, 1],
    layers: SMALL_CNN_LAYERS,
    totalParams: 56389,
    trainableParams: 56389,
    ...overrides,
  };
}

export async function aSourceModel(client: ApiClient, teamId: string, overrides: Loose = {}) {
  const data = await client.gql(
    `mutation($input: CreateModelInput!) { createModel(input: $input) { id name kind layers { name outputShape } } }`,
    { input: sourceModelInput(teamId, overrides) },
  );
  return data.createModel as { id: string; name: string; kind: string };
}

export const CREATE_EXPERIMENT = `mutation($input: CreateExperimentInput!) {
  createExperiment(input: $input) { id name status projectId sourceModelId targetDatasetId }
}`;

/** A project, dataset, source model and experiment (2 depths × 2 rates × 2 seeds + 2 scratch). */
export async function anExperiment(client: ApiClient, teamId: string, sweep: Loose = {}) {
  const project = await aProject(client, teamId);
  const dataset = await aDataset(client, teamId);
  const model = await aSourceModel(client, teamId);
  const data = await client.gql(CREATE_EXPERIMENT, {
    input: {
      projectId: project.id,
      sourceModelId: model.id,
      targetDatasetId: dataset.id,
      sweep: {
        frozenLayers: [0, 2],
        learningRates: [0.01, 0.001],
        seeds: [1, 2],
        epochs: 2,
        batchSize: 32,
        includeScratchBaseline: true,
        ...sweep,
      },
    },
  });
  return {
    project,
    dataset,
    model,
    experiment: data.createExperiment as { id: string; name: string },
  };
}

export async function runIds(client: ApiClient, experimentId: string): Promise<string[]> {
  const data = await client.gql(
    `query($id: ID!) { experiment(id: $id) { runs(first: 500) { nodes { id } } } }`,
    { id: experimentId },
  );
  return data.experiment.runs.nodes.map((run: { id: string }) => run.id);
}

export const LOG_METRICS = `mutation($runId: ID!, $points: [MetricPointInput!]!) {
  logMetrics(runId: $runId, points: $points) { runId written }
}`;
