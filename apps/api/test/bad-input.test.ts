import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.js';
import {
  aTeam,
  anExperiment,
  aUser,
  CREATE_EXPERIMENT,
  LOG_METRICS,
  runIds,
  SIGN_UP,
} from './factories/builders.js';
import { ApiClient, type GraphQLResponse, type Loose } from './factories/client.js';

let t: TestServer;
let client: ApiClient;
let email: string;
let password: string;
let teamId: string;
let runId: string;
let setup: { projectId: string; sourceModelId: string; targetDatasetId: string };
let experimentsBefore: number;
let experimentId: string;

beforeAll(async () => {
  t = await startTestServer();
  const user = await aUser(t.url);
  ({ client, password } = user);
  email = user.user.email;
  teamId = (await aTeam(client)).id;
  const made = await anExperiment(client, teamId);
  experimentId = made.experiment.id;
  [runId] = await runIds(client, made.experiment.id);
  setup = {
    projectId: made.project.id,
    sourceModelId: made.model.id,
    targetDatasetId: made.dataset.id,
  };
  experimentsBefore = 1;
});
afterAll(async () => {
  await t?.stop();
});

const raw = async (body: string): Promise<GraphQLResponse> => {
  const response = await fetch(`${t.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: client.cookie! },
    body,
  });
  const json = (await response.json()) as Loose;
  return {
    status: response.status,
    data: json.data,
    errors: json.errors,
    headers: response.headers,
  };
};

const sweep = (patch: Loose) => ({
  input: { ...setup, sweep: { frozenLayers: [0, 1], learningRates: [0.01], ...patch } },
});

const points = (n: number) =>
  Array.from({ length: n }, (_, step) => ({ key: 'loss', step, value: 1 }));

const LONG = 'x'.repeat(201);
const CREATE_TEAM = `mutation($name: String!) { createTeam(input: { name: $name }) { id } }`;
const CREATE_PROJECT = `mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }`;
const CREATE_TOKEN = `mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token apiToken { id } } }`;
const LOG_IN = `mutation($input: LogInInput!) { logIn(input: $input) { id } }`;

type Row = [string, string, () => Promise<GraphQLResponse>];

const ROWS: Row[] = [
  ['malformed JSON', 'BAD_USER_INPUT', () => raw('{"query": "{ me { id } "')],
  ['a body that is not an object', 'BAD_USER_INPUT', () => raw('[1, 2')],
  [
    'an unknown field in the selection',
    'BAD_USER_INPUT',
    () => client.request('{ me { id password } }'),
  ],
  [
    'an unknown field in an input',
    'BAD_USER_INPUT',
    () => client.request(CREATE_PROJECT, { input: { teamId, name: 'p', colour: 'red' } }),
  ],
  ['an unknown operation', 'BAD_USER_INPUT', () => client.request('{ dropEverything }')],
  [
    'a wrong type (number for a string)',
    'BAD_USER_INPUT',
    () => client.request(CREATE_TEAM, { name: 5 }),
  ],
  [
    'a wrong type (string for an int list)',
    'BAD_USER_INPUT',
    () => client.request(CREATE_EXPERIMENT, sweep({ frozenLayers: 'all' })),
  ],
  [
    'a missing required field',
    'BAD_USER_INPUT',
    () => client.request(CREATE_PROJECT, { input: { teamId } }),
  ],
  [
    'a training-set size larger than the dataset',
    'BAD_USER_INPUT',
    () => client.request(CREATE_EXPERIMENT, sweep({ trainSamples: [100, 2000] })),
  ],
  [
    'a training-set size of 0',
    'BAD_USER_INPUT',
    () => client.request(CREATE_EXPERIMENT, sweep({ trainSamples: [0] })),
  ],
  [
    'more training-set sizes than a size axis takes',
    'BAD_USER_INPUT',
    () =>
      client.request(
        CREATE_EXPERIMENT,
        sweep({ trainSamples: Array.from({ length: 13 }, (_, i) => i + 1) }),
      ),
  ],
  [
    'learning rate 0',
    'BAD_USER_INPUT',
    () => client.request(CREATE_EXPERIMENT, sweep({ learningRates: [0] })),
  ],
  [
    'learning rate < 0',
    'BAD_USER_INPUT',
    () => client.request(CREATE_EXPERIMENT, sweep({ learningRates: [-0.01] })),
  ],
  [
    'learning rate NaN (literal)',
    'BAD_USER_INPUT',
    () =>
      client.request(
        `mutation { createExperiment(input: { projectId: "${setup.projectId}", sourceModelId: "${setup.sourceModelId}", targetDatasetId: "${setup.targetDatasetId}", sweep: { frozenLayers: [0], learningRates: [NaN] } }) { id } }`,
      ),
  ],
  [
    'learning rate NaN (string variable)',
    'BAD_USER_INPUT',
    () => client.request(CREATE_EXPERIMENT, sweep({ learningRates: ['NaN'] })),
  ],
  [
    'learning rate Infinity (JSON 1e999)',
    'BAD_USER_INPUT',
    () =>
      raw(
        JSON.stringify({
          query: CREATE_EXPERIMENT,
          variables: sweep({ learningRates: [1] }),
        }).replace('"learningRates":[1]', '"learningRates":[1e999]'),
      ),
  ],
  [
    'learning rate Infinity (literal 1e999)',
    'BAD_USER_INPUT',
    () =>
      client.request(
        `mutation { createExperiment(input: { projectId: "${setup.projectId}", sourceModelId: "${setup.sourceModelId}", targetDatasetId: "${setup.targetDatasetId}", sweep: { frozenLayers: [0], learningRates: [1e999] } }) { id } }`,
      ),
  ],
  [
    'frozenLayers < 0',
    'BAD_USER_INPUT',
    () => client.request(CREATE_EXPERIMENT, sweep({ frozenLayers: [-1] })),
  ],
  [
    'frozenLayers beyond the model',
    'BAD_USER_INPUT',
    () => client.request(CREATE_EXPERIMENT, sweep({ frozenLayers: [5] })),
  ],
  [
    // small-cnn has 4 weight-bearing layers; the 4th is the classifier a fine-tune replaces.
    'frozenLayers counting the classifier (beyond freezableLayers)',
    'BAD_USER_INPUT',
    () => client.request(CREATE_EXPERIMENT, sweep({ frozenLayers: [0, 4] })),
  ],
  [
    'a learningRates list longer than any sweep',
    'BAD_USER_INPUT',
    () =>
      client.request(
        CREATE_EXPERIMENT,
        sweep({ learningRates: Array.from({ length: 1001 }, (_, i) => (i + 1) / 1e5) }),
      ),
  ],
  [
    'empty frozenLayers',
    'BAD_USER_INPUT',
    () => client.request(CREATE_EXPERIMENT, sweep({ frozenLayers: [] })),
  ],
  [
    'empty learningRates',
    'BAD_USER_INPUT',
    () => client.request(CREATE_EXPERIMENT, sweep({ learningRates: [] })),
  ],
  ['empty seeds', 'BAD_USER_INPUT', () => client.request(CREATE_EXPERIMENT, sweep({ seeds: [] }))],
  [
    'a sweep over 1,000 runs',
    'BAD_USER_INPUT',
    () =>
      client.request(
        CREATE_EXPERIMENT,
        sweep({
          frozenLayers: [0, 1, 2, 3],
          learningRates: Array.from({ length: 26 }, (_, i) => 10 ** -(1 + i / 10)),
          seeds: Array.from({ length: 10 }, (_, i) => i),
        }),
      ),
  ],
  [
    'a metric batch of 10,001 points',
    'BAD_USER_INPUT',
    () => client.request(LOG_METRICS, { runId, points: points(10_001) }),
  ],
  [
    'a NaN metric value (string)',
    'BAD_USER_INPUT',
    () => client.request(LOG_METRICS, { runId, points: [{ key: 'loss', step: 0, value: 'NaN' }] }),
  ],
  [
    'an Infinity metric value (JSON 1e999)',
    'BAD_USER_INPUT',
    () =>
      raw(
        JSON.stringify({
          query: LOG_METRICS,
          variables: { runId, points: [{ key: 'loss', step: 0, value: 7 }] },
        }).replace('"value":7', '"value":1e999'),
      ),
  ],
  [
    'an Infinity metric value (literal)',
    'BAD_USER_INPUT',
    () =>
      client.request(
        `mutation { logMetrics(runId: "${runId}", points: [{ key: "loss", step: 0, value: 1 }, { key: "loss", step: 1, value: 1e999 }]) { written } }`,
      ),
  ],
  [
    'a negative step',
    'BAD_USER_INPUT',
    () => client.request(LOG_METRICS, { runId, points: [{ key: 'loss', step: -1, value: 1 }] }),
  ],
  [
    'an empty metric key',
    'BAD_USER_INPUT',
    () => client.request(LOG_METRICS, { runId, points: [{ key: '', step: 0, value: 1 }] }),
  ],
  [
    'maxPoints below 2',
    'BAD_USER_INPUT',
    () =>
      client.request(
        `query($r: ID!) { metrics(runIds: [$r], keys: ["loss"], maxPoints: 1) { key } }`,
        { r: runId },
      ),
  ],
  [
    'a duplicate email',
    'CONFLICT',
    () =>
      new ApiClient(t.url).request(SIGN_UP, {
        input: { email, password: 'another password', name: 'Dup' },
      }),
  ],
  [
    'a duplicate email in other case',
    'CONFLICT',
    () =>
      new ApiClient(t.url).request(SIGN_UP, {
        input: { email: email.toUpperCase(), password: 'another password', name: 'Dup' },
      }),
  ],
  [
    'an invalid email',
    'BAD_USER_INPUT',
    () =>
      new ApiClient(t.url).request(SIGN_UP, {
        input: { email: 'not-an-email', password: 'another password', name: 'X' },
      }),
  ],
  [
    'a short password',
    'BAD_USER_INPUT',
    () =>
      new ApiClient(t.url).request(SIGN_UP, {
        input: { email: 'short@example.test', password: 'short', name: 'X' },
      }),
  ],
  [
    'a wrong password',
    'UNAUTHENTICATED',
    () => new ApiClient(t.url).request(LOG_IN, { input: { email, password: 'wrong password' } }),
  ],
  [
    'an unknown email',
    'UNAUTHENTICATED',
    () =>
      new ApiClient(t.url).request(LOG_IN, { input: { email: 'nobody@example.test', password } }),
  ],
  [
    'an expired token',
    'UNAUTHENTICATED',
    async () => {
      const { token, apiToken } = (await client.gql(CREATE_TOKEN, { input: { name: 'old' } }))
        .createApiToken;
      await t.sql(`UPDATE api_tokens SET expires_at = now() - interval '1 minute' WHERE id = $1`, [
        apiToken.id,
      ]);
      return new ApiClient(t.url).withToken(token).request('{ me { id } }');
    },
  ],
  [
    'a revoked token',
    'UNAUTHENTICATED',
    async () => {
      const { token, apiToken } = (await client.gql(CREATE_TOKEN, { input: { name: 'gone' } }))
        .createApiToken;
      await client.gql(`mutation($id: ID!) { revokeApiToken(id: $id) { id } }`, {
        id: apiToken.id,
      });
      return new ApiClient(t.url).withToken(token).request('{ me { id } }');
    },
  ],
  [
    'an expiry in the past',
    'BAD_USER_INPUT',
    () => client.request(CREATE_TOKEN, { input: { name: 'x', expiresAt: '2000-01-01T00:00:00Z' } }),
  ],
  ['an empty team name', 'BAD_USER_INPUT', () => client.request(CREATE_TEAM, { name: '' })],
  ['a blank team name', 'BAD_USER_INPUT', () => client.request(CREATE_TEAM, { name: '   ' })],
  [
    'a team name over 200 characters',
    'BAD_USER_INPUT',
    () => client.request(CREATE_TEAM, { name: LONG }),
  ],
  [
    'an empty project name',
    'BAD_USER_INPUT',
    () => client.request(CREATE_PROJECT, { input: { teamId, name: '' } }),
  ],
  [
    'a project name over 200 characters',
    'BAD_USER_INPUT',
    () => client.request(CREATE_PROJECT, { input: { teamId, name: LONG } }),
  ],
  [
    'an empty user name',
    'BAD_USER_INPUT',
    () =>
      new ApiClient(t.url).request(SIGN_UP, {
        input: { email: 'e@example.test', password: 'long enough', name: '' },
      }),
  ],
  [
    'a token name over 200 characters',
    'BAD_USER_INPUT',
    () => client.request(CREATE_TOKEN, { input: { name: LONG } }),
  ],
  [
    'an empty experiment name',
    'BAD_USER_INPUT',
    () => client.request(CREATE_EXPERIMENT, { input: { ...sweep({}).input, name: '' } }),
  ],
];

const CREATE_RUN = `mutation($input: CreateRunInput!) { createRun(input: $input) { id } }`;

/** One bad hyperparameter, as a sweep carries it and as a single run does. */
const SHARED_RULES: [string, Loose, Loose][] = [
  ['zero epochs', { epochs: 0 }, { epochs: 0 }],
  ['1,001 epochs', { epochs: 1001 }, { epochs: 1001 }],
  ['a zero batch', { batchSize: 0 }, { batchSize: 0 }],
  ['a batch of 4,097', { batchSize: 4097 }, { batchSize: 4097 }],
  ['a negative seed', { seeds: [-1] }, { seed: -1 }],
  ['a zero learning rate', { learningRates: [0] }, { learningRate: 0 }],
  ['a negative frozen depth', { frozenLayers: [-1] }, { frozenLayers: -1 }],
  // small-cnn keeps 3 weight-bearing layers below the classifier a fine-tune replaces; the run is
  // one a worker would execute (an external run records whatever its script froze).
  [
    'a frozen depth counting the classifier',
    { frozenLayers: [4] },
    { frozenLayers: 4, external: false },
  ],
];

describe('createExperiment and createRun share one rule book', () => {
  it.each(SHARED_RULES)('both refuse %s', async (_name, sweepPatch, runPatch) => {
    const experiment = await client.request(CREATE_EXPERIMENT, sweep(sweepPatch));
    const run = await client.request(CREATE_RUN, {
      input: { experimentId, frozenLayers: 0, learningRate: 0.01, ...runPatch },
    });
    for (const response of [experiment, run]) {
      expect(response.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(response.data ?? null).toBeNull();
    }
    const [field] = Object.keys(runPatch);
    expect(run.errors?.[0]).toMatchObject({
      message: expect.stringMatching(new RegExp(`^${field} must`)),
      extensions: { field, fields: [{ field, messages: [run.errors?.[0]?.message] }] },
    });
    expect(experiment.errors?.[0]?.extensions?.fields).toEqual([
      expect.objectContaining({ field: `sweep.${Object.keys(sweepPatch)[0]}` }),
    ]);
  });

  it('accepts the bounds themselves in both', async () => {
    const bounds = { epochs: 1000, batchSize: 4096 };
    const run = await client.request(CREATE_RUN, {
      input: { experimentId, frozenLayers: 0, learningRate: 0.01, seed: 2147483647, ...bounds },
    });
    expect(run.errors).toBeUndefined();
    const experiment = await client.request(
      CREATE_EXPERIMENT,
      sweep({ ...bounds, seeds: [2147483647], includeScratchBaseline: false }),
    );
    expect(experiment.errors).toBeUndefined();
    experimentsBefore += 1;
  });
});

describe('bad input', () => {
  it.each(ROWS)('%s → %s', async (_name, code, send) => {
    const response = await send();
    expect(response.errors?.[0]?.extensions?.code).toBe(code);
    expect(response.data?.createExperiment ?? null).toBeNull();
  });

  it('stored nothing from the rejected sweeps and batches', async () => {
    const [{ n }] = await t.sql<{ n: number }>('SELECT count(*)::int AS n FROM experiments');
    expect(n).toBe(experimentsBefore);
    const [{ p }] = await t.sql<{ p: number }>(
      'SELECT count(*)::int AS p FROM metric_points WHERE run_id = $1',
      [runId],
    );
    expect(p).toBe(0);
    expect(
      await t.sql(`SELECT 1 FROM teams WHERE length(name) > 200 OR btrim(name) = ''`),
    ).toHaveLength(0);
  });

  it('gives a wrong password and an unknown email the same error', async () => {
    const wrong = await new ApiClient(t.url).request(LOG_IN, {
      input: { email, password: 'wrong password' },
    });
    const unknown = await new ApiClient(t.url).request(LOG_IN, {
      input: { email: 'ghost@example.test', password },
    });
    expect(wrong.errors).toEqual(unknown.errors);
    expect(wrong.status).toBe(unknown.status);
  });

  it('names the index of a non-finite metric value', async () => {
    const response = await client.request(
      `mutation { logMetrics(runId: "${runId}", points: [{ key: "loss", step: 0, value: 1 }, { key: "loss", step: 1, value: -1e999 }]) { written } }`,
    );
    expect(response.errors?.[0].message).toContain('points[1].value');
    expect(response.errors?.[0].extensions?.field).toBe('points[1].value');
  });

  it('rate-limits repeated failed log-ins', async () => {
    const target = await aUser(t.url);
    const codes: (string | undefined)[] = [];
    for (let i = 0; i < 11; i++)
      codes.push(
        await new ApiClient(t.url).code(LOG_IN, {
          input: { email: target.user.email, password: 'nope nope' },
        }),
      );
    expect(codes.slice(0, 10).every((code) => code === 'UNAUTHENTICATED')).toBe(true);
    expect(codes[10]).toBe('RATE_LIMITED');
  });
});
