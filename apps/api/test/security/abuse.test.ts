import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../harness.js';
import { aTeam, anExperiment, aUser, CREATE_EXPERIMENT, runIds } from '../factories/builders.js';
import type { ApiClient, GraphQLResponse, Loose } from '../factories/client.js';
import { subscriptionOutcome } from './principals.js';

let t: TestServer;
let client: ApiClient;
let made: Awaited<ReturnType<typeof anExperiment>>;
let runId: string;

beforeAll(async () => {
  t = await startTestServer();
  // Nothing else may query while a test records: the lease reaper is the only timer that does.
  await t.server.services.scheduler.stopReaper();
  const user = await aUser(t.url);
  client = user.client;
  const team = await aTeam(client);
  made = await anExperiment(client, team.id);
  [runId] = await runIds(client, made.experiment.id);
});
afterAll(async () => {
  await t?.stop();
});

/** The answer and every SQL statement the API sent while answering it. */
async function answered(send: () => Promise<GraphQLResponse>) {
  await client.gql('{ me { id } }'); // the session is now cached: asking costs no query
  const recorder = t.recordQueries();
  const response = await send();
  return { response, queries: recorder.stop() };
}

const raw = async (body: string): Promise<GraphQLResponse> => {
  const response = await fetch(`${t.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: client.cookie! },
    body,
  });
  const text = await response.text();
  let json: Loose = {};
  try {
    json = JSON.parse(text) as Loose;
  } catch {
    json = { errors: [{ message: text }] };
  }
  return {
    status: response.status,
    data: json.data,
    errors: json.errors,
    headers: response.headers,
  };
};

const aliases = (n: number) =>
  `{ ${Array.from({ length: n }, (_, i) => `a${i}: me { id }`).join(' ')} }`;

/** team → members → nodes → team → … `levels` times. */
const nested = (levels: number) =>
  `query($id: ID!) { team(id: $id) { ${'members { nodes { team { '.repeat(levels)} id ${'} } } '.repeat(levels)} } }`;

const bomb = [
  '{ me { ...F0 } }',
  ...Array.from(
    { length: 30 },
    (_, i) => `fragment F${i} on User { teams { id } ...F${i + 1} ...F${i + 1} }`,
  ),
  'fragment F30 on User { id }',
].join('\n');

type Abuse = [string, () => Promise<GraphQLResponse>, RegExp];

const REJECTED_BEFORE_THE_DATABASE: Abuse[] = [
  [
    'nesting 13 levels deep (limit 12)',
    () => client.request(nested(4), { id: made.project.teamId }),
    /levels deep; the limit is 12/,
  ],
  [
    'nesting 1,000 levels deep',
    () => client.request(nested(333), { id: made.project.teamId }),
    /levels deep/,
  ],
  ['10,000 aliases in one document', () => client.request(aliases(10_000)), /tokens/],
  ['101 aliases (limit 100)', () => client.request(aliases(101)), /101 aliases; the limit is 100/],
  ['a fragment spread 2^30 times', () => client.request(bomb), /the query costs \d+/],
  [
    'metrics for 5,000 runs × 20 keys (a huge list in variables)',
    () =>
      client.request(
        `query($runIds: [ID!]!, $keys: [String!]!) { metrics(runIds: $runIds, keys: $keys, maxPoints: 500) { key values } }`,
        {
          runIds: Array.from({ length: 5_000 }, () => runId),
          keys: Array.from({ length: 20 }, (_, i) => `k${i}`),
        },
      ),
    /the query costs/,
  ],
  [
    'a page of 100,000 in a nested list',
    () =>
      client.request(`{ teams(first: 100) { nodes { members(first: 100000) { nodes { id } } } } }`),
    /the query costs/,
  ],
  [
    'two operations batched in one HTTP request',
    () =>
      raw(JSON.stringify([{ query: '{ me { id } }' }, { query: '{ teams { nodes { id } } }' }])),
    /batched requests are not accepted/,
  ],
  [
    '1,000 operations batched in one HTTP request',
    () => raw(JSON.stringify(Array.from({ length: 1_000 }, () => ({ query: '{ me { id } }' })))),
    /batched requests are not accepted/,
  ],
  [
    'a 6 MB body (limit 5 MiB)',
    () =>
      raw(
        JSON.stringify({
          query: 'query($x: [String!]!) { me { id } }',
          variables: { x: Array.from({ length: 6 * 1024 }, () => 'x'.repeat(1024)) },
        }),
      ),
    /body/i,
  ],
];

describe('GraphQL abuse', () => {
  it.each(REJECTED_BEFORE_THE_DATABASE)(
    '%s is refused with a code and never reaches the database',
    async (_name, send, message) => {
      const { response, queries } = await answered(send);
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.data ?? null).toBeNull();
      expect(response.errors?.[0]?.message).toMatch(message);
      expect(response.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(queries).toEqual([]);
    },
  );

  it('still answers 100 aliases and a query 12 levels deep (and the recorder sees them)', async () => {
    const { response: wide, queries } = await answered(() => client.request(aliases(100)));
    expect(wide.errors).toBeUndefined();
    expect(Object.keys(wide.data ?? {})).toHaveLength(100);
    expect(queries.filter((sql) => /FROM "users"/.test(sql)).length).toBe(100);
    const deep = await client.request(nested(3), { id: made.project.teamId });
    expect(deep.errors).toBeUndefined();
  });

  it('refuses a sweep of 100,000 learning rates and stores nothing', async () => {
    const [before] = await t.sql<{ n: number }>('SELECT count(*)::int AS n FROM runs');
    const response = await client.request(CREATE_EXPERIMENT, {
      input: {
        projectId: made.project.id,
        sourceModelId: made.model.id,
        targetDatasetId: made.dataset.id,
        sweep: {
          frozenLayers: [0],
          learningRates: Array.from({ length: 100_000 }, (_, i) => 1e-6 * (i + 1)),
        },
      },
    });
    expect(response.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await t.sql('SELECT count(*)::int AS n FROM runs')).toEqual([before]);
  });
});

describe('GraphQL abuse over the WebSocket', () => {
  const aliasedSubscription = (n: number) =>
    `subscription($e: ID!) { runUpdated(experimentId: $e) { ${Array.from({ length: n }, (_, i) => `a${i}: id`).join(' ')} } }`;

  // [name, query, variables, outcome]: refused with BAD_USER_INPUT unless said otherwise.
  const CASES: [string, string, Loose, string?][] = [
    // Queries sent here would have escaped the HTTP limits (Apollo's plugins do not run here).
    ['a query', `{ ${Array.from({ length: 500 }, (_, i) => `a${i}: me { id }`).join(' ')} }`, {}],
    ['a mutation', 'mutation { createTeam(input: { name: "over ws" }) { id } }', {}],
    [
      'a subscription asking for a field Run does not have',
      'subscription($e: ID!) { runUpdated(experimentId: $e) { password } }',
      {},
    ],
    ['a subscription with 101 aliases', aliasedSubscription(101), {}],
    // ~190 KB: over WS_MAX_MESSAGE_BYTES, so the socket closes (1009) before anything parses it.
    ['a subscription with 10,000 aliases', aliasedSubscription(10_000), {}, 'closed 1009'],
  ];

  it.each(CASES)(
    '%s is refused before the database',
    async (_name, query, variables, expected = 'BAD_USER_INPUT') => {
      await client.gql('{ me { id } }');
      const recorder = t.recordQueries();
      const outcome = await subscriptionOutcome(
        t.url,
        client,
        query,
        { e: made.experiment.id, ...variables },
        async () => undefined,
      );
      const queries = recorder.stop();
      expect(outcome).toBe(expected);
      // The socket's own session lookup is the only query allowed.
      expect(queries.filter((sql) => !/FROM sessions/.test(sql))).toEqual([]);
      expect(await t.sql(`SELECT 1 FROM teams WHERE name = 'over ws'`)).toEqual([]);
    },
  );
});
