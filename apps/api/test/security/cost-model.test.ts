import { MAX_ARTIFACTS_PER_OWNER, MAX_TEAMS_PER_USER } from '@finetrack/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aProject, aSourceModel, aTeam, aUser } from '../factories/builders.js';
import type { ApiClient } from '../factories/client.js';
import { startTestServer, type TestServer } from '../harness.js';

const RESPONSE_LIMIT = 64 * 1024;

let t: TestServer;
let client: ApiClient;
let teamId: string;
let modelId: string;

beforeAll(async () => {
  t = await startTestServer({ responseLimitBytes: RESPONSE_LIMIT });
  client = (await aUser(t.url)).client;
  teamId = (await aTeam(client)).id;
  modelId = ((await aSourceModel(client, teamId)) as { id: string }).id;
  // Ten projects of 10,000 characters each: a cheap query whose answer is over 64 KiB.
  for (let index = 0; index < 10; index++)
    await aProject(client, teamId, { description: 'x'.repeat(10_000) });
});
afterAll(async () => {
  await t?.stop();
});

describe('the cost model prices what a request will really cost', () => {
  it.each([
    [
      'a page size given through a variable default',
      `query($f: Int = 500) { teams(first: $f) { nodes { members(first: $f) { nodes { id role } } } } }`,
    ],
    [
      'an unpaged list (Model.layers) under a page of models',
      `query($team: ID!) { models(teamId: $team, first: 100) { nodes { layers { name type params weightBearing } } } }`,
    ],
    [
      'User.teams nested under members',
      `{ me { teams { members(first: 100) { nodes { user { teams { members(first: 100) { nodes { id } } } } } } } } }`,
    ],
  ])('refuses %s before any resolver runs', async (_name, query) => {
    const recorder = t.recordQueries();
    const response = await client.request(query, { team: teamId });
    const queries = recorder.stop();
    expect(response.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(response.errors?.[0]?.message).toMatch(/the query costs \d+; the limit is 50000/);
    expect(response.data ?? null).toBeNull();
    // The session lookup may run; no resolver's query does.
    expect(queries.filter((sql) => /projects|models|memberships m|teams t/i.test(sql))).toEqual([]);
  });

  it('still answers the same queries at honest sizes', async () => {
    const response = await client.request(
      `query($team: ID!, $f: Int = 5) { models(teamId: $team, first: $f) { nodes { layers { name } } } }`,
      { team: teamId },
    );
    expect(response.errors).toBeUndefined();
    expect((response.data as { models: { nodes: unknown[] } }).models.nodes).toHaveLength(1);
  });

  it('replaces an answer over RESPONSE_LIMIT_BYTES with BAD_USER_INPUT', async () => {
    const query = `query($team: ID!) { projects(teamId: $team, first: 10) { nodes { description } } }`;
    const response = await client.request(query, { team: teamId });
    expect(response.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'RESPONSE_TOO_LARGE',
    });
    expect(response.data ?? null).toBeNull();
    // A smaller page of the same fits.
    const small = await client.request(query.replace('first: 10', 'first: 2'), { team: teamId });
    expect(small.errors).toBeUndefined();
  });
});

describe('unpaged lists stay within the maximum they are priced at', () => {
  const announce = () =>
    client.request(
      `mutation($input: CreateArtifactInput!) { createArtifact(input: $input) { id } }`,
      {
        input: {
          modelId,
          kind: 'weights',
          fileName: 'weights.bin',
          byteSize: 1,
          sha256: 'a'.repeat(64),
        },
      },
    );

  it('refuses a model artifact past MAX_ARTIFACTS_PER_OWNER, also when announced at once', async () => {
    await t.sql(
      `INSERT INTO artifacts (team_id, model_id, kind, file_name, byte_size, sha256, storage_path, status)
       SELECT $1, $2, 'log', 'f' || n || '.txt', 1, repeat('b', 64), '', 'pending'
         FROM generate_series(1, $3::int - 3) n`,
      [teamId, modelId, MAX_ARTIFACTS_PER_OWNER],
    );
    const answers = await Promise.all(Array.from({ length: 6 }, () => announce()));
    expect(answers.filter((answer) => !answer.errors)).toHaveLength(3);
    for (const answer of answers.filter((a) => a.errors))
      expect(answer.errors?.[0]?.extensions).toMatchObject({
        code: 'CONFLICT',
        reason: 'TOO_MANY_ARTIFACTS',
      });
    const [{ n }] = await t.sql<{ n: number }>(
      'SELECT count(*)::int AS n FROM artifacts WHERE model_id = $1',
      [modelId],
    );
    expect(n).toBe(MAX_ARTIFACTS_PER_OWNER);
  });

  it('refuses a team past MAX_TEAMS_PER_USER, also when created at once', async () => {
    const { client: joiner, user } = await aUser(t.url);
    await t.sql(
      `WITH made AS (INSERT INTO teams (name) SELECT 'filler ' || n FROM generate_series(1, $2::int - 2) n RETURNING id)
       INSERT INTO memberships (team_id, user_id, role) SELECT id, $1, 'member' FROM made`,
      [user.id, MAX_TEAMS_PER_USER],
    );
    const answers = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        joiner.request(`mutation { createTeam(input: { name: "last ${i}" }) { id } }`),
      ),
    );
    expect(answers.filter((answer) => !answer.errors)).toHaveLength(2);
    for (const answer of answers.filter((a) => a.errors))
      expect(answer.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const [{ n }] = await t.sql<{ n: number }>(
      'SELECT count(*)::int AS n FROM memberships WHERE user_id = $1',
      [user.id],
    );
    expect(n).toBe(MAX_TEAMS_PER_USER);
  });
});
