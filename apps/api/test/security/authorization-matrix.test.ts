import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildSchema } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEMA_FILE } from '../../src/graphql/print-schema.js';
import { startTestServer, type TestServer } from '../harness.js';
import { MATRIX, type MatrixRow } from './matrix.js';
import {
  buildFixtures,
  copyOf,
  PRINCIPALS,
  subscriptionOutcome,
  type Fixtures,
} from './principals.js';

/** Every root field of the committed schema, as `Query.me`, `Mutation.logIn`, … */
function schemaOperations(): Map<string, string> {
  const schema = buildSchema(readFileSync(SCHEMA_FILE, 'utf8'));
  const operations = new Map<string, string>();
  for (const type of [
    schema.getQueryType(),
    schema.getMutationType(),
    schema.getSubscriptionType(),
  ])
    for (const name of Object.keys(type?.getFields() ?? {})) operations.set(name, type!.name);
  return operations;
}

const OPERATIONS = schemaOperations();

let t: TestServer;
let f: Fixtures;

beforeAll(async () => {
  t = await startTestServer({
    artifactDir: await mkdtemp(path.join(tmpdir(), 'finetrack-matrix-artifacts-')),
  });
  f = await buildFixtures(t.url);
});
afterAll(async () => {
  await t?.stop();
});

/** Every row team A owns that an operation could touch (last_used_at moves on its own). */
async function teamRows() {
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
      [f.teamId],
    );
  out.api_tokens = await t.sql(
    'SELECT id, name, role, revoked_at FROM api_tokens WHERE team_id = $1 ORDER BY id',
    [f.teamId],
  );
  out.artifacts = await t.sql('SELECT * FROM artifacts WHERE team_id = $1 ORDER BY id', [f.teamId]);
  out.metric_points = await t.sql(
    'SELECT count(*)::int AS n FROM metric_points WHERE run_id = ANY($1::uuid[])',
    [[f.runId, f.held.runId]],
  );
  return out;
}

async function outcomeOf(
  row: MatrixRow,
  who: (typeof PRINCIPALS)[number],
  cell: Awaited<ReturnType<MatrixRow['build']>>,
) {
  const client = cell.client ?? copyOf(f.clients[who]);
  if (row.trigger)
    return subscriptionOutcome(t.url, client, cell.query, cell.variables ?? {}, () =>
      row.trigger!(f),
    );
  const response = await client.request(cell.query, cell.variables);
  if (response.errors?.length) return response.errors[0].extensions?.code ?? 'error without a code';
  if (!response.data || !(row.operation in response.data)) return 'no data';
  return 'ok';
}

describe('authorisation matrix', () => {
  it('has exactly one row per operation in schema.graphql', () => {
    const rows = MATRIX.map((row) => row.operation);
    const missing = [...OPERATIONS.keys()].filter((name) => !rows.includes(name));
    const stale = rows.filter((name) => !OPERATIONS.has(name));
    const repeated = rows.filter((name, index) => rows.indexOf(name) !== index);
    expect({ missing, stale, repeated }).toEqual({ missing: [], stale: [], repeated: [] });
    for (const row of MATRIX)
      expect(row.trigger !== undefined, row.operation).toBe(
        OPERATIONS.get(row.operation) === 'Subscription',
      );
  });

  it.each(MATRIX.map((row) => [row.operation, row] as const))(
    '%s',
    async (_operation, row) => {
      const cells = [];
      for (const who of PRINCIPALS) cells.push({ who, cell: await row.build(f, who) });
      const denied = cells.filter(({ who }) => row.expected[who] !== 'ok');
      const allowed = cells.filter(({ who }) => row.expected[who] === 'ok');
      const actual: Record<string, string> = {};
      // Refused calls first, with team A's rows compared around them: a refusal changes nothing.
      const before = await teamRows();
      for (const { who, cell } of denied) actual[who] = await outcomeOf(row, who, cell);
      expect(await teamRows()).toEqual(before);
      for (const { who, cell } of allowed) actual[who] = await outcomeOf(row, who, cell);
      expect(actual).toEqual(row.expected);
    },
    60_000,
  );
});

describe('artifact files over HTTP', () => {
  const BYTES = Buffer.from('model weights, or so');
  const SHA256 = createHash('sha256').update(BYTES).digest('hex');

  /** A pending model artifact of team A, announced by its owner. */
  async function announced(): Promise<string> {
    const data = await f.owner.gql(
      `mutation($input: CreateArtifactInput!) { createArtifact(input: $input) { id } }`,
      {
        input: {
          modelId: f.modelId,
          kind: 'weights',
          fileName: 'weights.bin',
          byteSize: BYTES.length,
          sha256: SHA256,
        },
      },
    );
    return data.createArtifact.id as string;
  }

  const send = (who: (typeof PRINCIPALS)[number], method: 'GET' | 'PUT', id: string) => {
    const client = f.clients[who];
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
    if (client.cookie) headers.cookie = client.cookie;
    if (client.token) headers.authorization = `Bearer ${client.token}`;
    return fetch(`${t.url}/artifacts/${id}`, {
      method,
      headers,
      body: method === 'PUT' ? BYTES : undefined,
    }).then(async (response) => {
      await response.arrayBuffer();
      return response.status;
    });
  };

  it('PUT /artifacts/:id: members and up upload; others are refused and nothing is stored', async () => {
    const statuses: Record<string, number> = {};
    for (const who of PRINCIPALS) {
      const id = await announced();
      statuses[who] = await send(who, 'PUT', id);
      const [row] = await t.sql<{ status: string }>('SELECT status FROM artifacts WHERE id = $1', [
        id,
      ]);
      expect(row.status, who).toBe(statuses[who] === 201 ? 'stored' : 'pending');
    }
    expect(statuses).toEqual({
      anonymous: 401,
      viewer: 403,
      member: 201,
      admin: 201,
      owner: 201,
      outsider: 404,
      worker: 403,
      revoked: 401,
    });
  });

  it('GET /artifacts/:id: the team (and its worker) download; others are refused', async () => {
    const id = await announced();
    expect(await send('owner', 'PUT', id)).toBe(201);
    const statuses: Record<string, number> = {};
    for (const who of PRINCIPALS) statuses[who] = await send(who, 'GET', id);
    expect(statuses).toEqual({
      anonymous: 401,
      viewer: 200,
      member: 200,
      admin: 200,
      owner: 200,
      outsider: 404,
      worker: 200,
      revoked: 401,
    });
  });
});
