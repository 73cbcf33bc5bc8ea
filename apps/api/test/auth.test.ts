import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.js';
import { aTeam, aUser, SIGN_UP } from './factories/builders.js';
import { ApiClient } from './factories/client.js';
import { createLogger } from '../src/logger.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.stop();
});

const ME = `{ me { id email name teams { id name role } } }`;
const LOG_IN = `mutation($input: LogInInput!) { logIn(input: $input) { id email } }`;
const CREATE_TOKEN = `mutation($input: CreateApiTokenInput!) {
  createApiToken(input: $input) { token apiToken { id name prefix expiresAt lastUsedAt revokedAt } }
}`;

describe('sessions', () => {
  it('signUp sets an httpOnly SameSite=Lax cookie and me answers with the teams', async () => {
    const client = new ApiClient(t.url);
    const response = await client.request(SIGN_UP, {
      input: { email: 'ada@example.test', password: 'a long password', name: 'Ada' },
    });
    expect(response.errors).toBeUndefined();
    const cookie = response.headers.getSetCookie().join('\n');
    expect(cookie).toMatch(/finetrack_session=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).not.toMatch(/Secure/i); // only in production
    const team = await aTeam(client, { name: 'Vision' });
    const me = await client.gql(ME);
    expect(me.me).toMatchObject({ email: 'ada@example.test', name: 'Ada' });
    expect(me.me.teams).toEqual([{ id: team.id, name: 'Vision', role: 'OWNER' }]);
  });

  it('stores the password as argon2id, never in clear', async () => {
    const { user, password } = await aUser(t.url);
    const [row] = await t.sql<{ password_hash: string }>(
      'SELECT password_hash FROM users WHERE id = $1',
      [user.id],
    );
    expect(row.password_hash.startsWith('$argon2id$')).toBe(true);
    expect(row.password_hash).not.toContain(password);
  });

  it('me is UNAUTHENTICATED when anonymous', async () => {
    expect(await new ApiClient(t.url).code(ME)).toBe('UNAUTHENTICATED');
  });

  it('logIn, logOut and the cookie no longer works afterwards', async () => {
    const { user, password } = await aUser(t.url);
    const browser = new ApiClient(t.url);
    await browser.gql(LOG_IN, { input: { email: user.email.toUpperCase(), password } });
    const oldCookie = browser.cookie;
    expect((await browser.gql(ME)).me.id).toBe(user.id);
    expect((await browser.gql('mutation { logOut }')).logOut).toBe(true);
    const replay = new ApiClient(t.url);
    replay.cookie = oldCookie;
    expect(await replay.code(ME)).toBe('UNAUTHENTICATED');
  });

  it('marks the cookie Secure in production', async () => {
    const production = await startTestServer({ nodeEnv: 'production' });
    try {
      const response = await new ApiClient(production.url).request(SIGN_UP, {
        input: { email: 'prod@example.test', password: 'a long password', name: 'P' },
      });
      expect(response.headers.getSetCookie().join('\n')).toMatch(/Secure/);
    } finally {
      await production.stop();
    }
  });
});

describe('API tokens', () => {
  it('a token is shown once, stored hashed, and authenticates Bearer requests', async () => {
    const { client, user } = await aUser(t.url);
    const created = await client.gql(CREATE_TOKEN, { input: { name: 'laptop' } });
    const { token, apiToken } = created.createApiToken;
    expect(token).toMatch(/^ft_/);
    expect(apiToken.prefix).toBe(token.slice(0, 9));
    const [row] = await t.sql<{ token_hash: string }>(
      'SELECT token_hash FROM api_tokens WHERE id = $1',
      [apiToken.id],
    );
    expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(await t.sql('SELECT * FROM api_tokens'))).not.toContain(token);
    const script = new ApiClient(t.url).withToken(token);
    expect((await script.gql(ME)).me.id).toBe(user.id);
    const list = () => client.gql(`{ apiTokens { nodes { id name prefix lastUsedAt } } }`);
    // Last use is recorded off the request path.
    await expect
      .poll(async () => (await list()).apiTokens.nodes)
      .toEqual([
        expect.objectContaining({
          id: apiToken.id,
          name: 'laptop',
          lastUsedAt: expect.any(String),
        }),
      ]);
    const listed = await list();
    expect(JSON.stringify(listed)).not.toContain(token);
  });

  it('a revoked token is UNAUTHENTICATED', async () => {
    const { client } = await aUser(t.url);
    const { token, apiToken } = (await client.gql(CREATE_TOKEN, { input: { name: 'ci' } }))
      .createApiToken;
    const revoked = await client.gql(
      `mutation($id: ID!) { revokeApiToken(id: $id) { id revokedAt } }`,
      {
        id: apiToken.id,
      },
    );
    expect(revoked.revokeApiToken.revokedAt).not.toBeNull();
    const response = await new ApiClient(t.url).withToken(token).request(ME);
    expect(response.status).toBe(401);
    expect(response.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('an expired token is UNAUTHENTICATED', async () => {
    const { client } = await aUser(t.url);
    const { token, apiToken } = (
      await client.gql(CREATE_TOKEN, {
        input: { name: 'short', expiresAt: new Date(Date.now() + 60_000).toISOString() },
      })
    ).createApiToken;
    await t.sql(`UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`, [
      apiToken.id,
    ]);
    expect(await new ApiClient(t.url).withToken(token).code(ME)).toBe('UNAUTHENTICATED');
  });

  it('an unknown or malformed token is UNAUTHENTICATED', async () => {
    expect(await new ApiClient(t.url).withToken('ft_nope').code(ME)).toBe('UNAUTHENTICATED');
    const response = await new ApiClient(t.url).request(ME, undefined, {
      headers: { authorization: 'Basic abc' },
    });
    expect(response.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('a team-limited token sees only its team', async () => {
    const { client } = await aUser(t.url);
    const mine = await aTeam(client);
    const other = await aTeam(client);
    const { token } = (await client.gql(CREATE_TOKEN, { input: { name: 'team', teamId: mine.id } }))
      .createApiToken;
    const script = new ApiClient(t.url).withToken(token);
    expect((await script.gql(ME)).me.teams.map((team: { id: string }) => team.id)).toEqual([
      mine.id,
    ]);
    expect(await script.code(`query($id: ID!) { team(id: $id) { id } }`, { id: other.id })).toBe(
      'NOT_FOUND',
    );
  });

  it('tokens cannot mint tokens', async () => {
    const { client } = await aUser(t.url);
    const { token } = (await client.gql(CREATE_TOKEN, { input: { name: 'x' } })).createApiToken;
    expect(
      await new ApiClient(t.url).withToken(token).code(CREATE_TOKEN, { input: { name: 'y' } }),
    ).toBe('FORBIDDEN');
  });
});

describe('HTTP surface', () => {
  it('/healthz answers 200 while PostgreSQL answers', async () => {
    const response = await fetch(`${t.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('/healthz answers 503 while PostgreSQL does not', async () => {
    const cut = await startTestServer();
    const admin = new pg.Client({ connectionString: inject('adminDatabaseUrl') });
    await admin.connect();
    const database = new URL(cut.databaseUrl).pathname.slice(1);
    try {
      await admin.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS false`);
      await admin.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1',
        [database],
      );
      await expect.poll(async () => (await fetch(`${cut.url}/healthz`)).status).toBe(503);
      await admin.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS true`);
      await expect.poll(async () => (await fetch(`${cut.url}/healthz`)).status).toBe(200);
    } finally {
      await admin.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS true`);
      await admin.end();
      await cut.stop();
    }
  });

  it('rejects a text/plain POST (what a cross-site form can send) before GraphQL', async () => {
    const { client } = await aUser(t.url);
    const response = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', cookie: client.cookie! },
      body: JSON.stringify({ query: 'mutation { createTeam(input: { name: "csrf" }) { id } }' }),
    });
    expect(response.status).toBe(415);
    expect(await t.sql(`SELECT 1 FROM teams WHERE name = 'csrf'`)).toHaveLength(0);
  });

  it('refuses a mutation over GET and a GET query without a preflight header (CSRF)', async () => {
    const { client } = await aUser(t.url);
    const mutation = encodeURIComponent(
      'mutation { createTeam(input: { name: "viaget" }) { id } }',
    );
    const asGet = await fetch(`${t.url}/graphql?query=${mutation}`, {
      headers: { cookie: client.cookie!, 'apollo-require-preflight': '1' },
    });
    expect(asGet.status).toBe(405);
    const plainGet = await fetch(`${t.url}/graphql?query=${encodeURIComponent('{ me { id } }')}`, {
      headers: { cookie: client.cookie! },
    });
    expect(plainGet.status).toBe(400);
    expect(await t.sql(`SELECT 1 FROM teams WHERE name = 'viaget'`)).toHaveLength(0);
  });

  it('allows CORS with credentials only for the configured web origin', async () => {
    const allowed = await fetch(`${t.url}/graphql`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:3000', 'access-control-request-method': 'POST' },
    });
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
    const denied = await fetch(`${t.url}/graphql`, {
      method: 'OPTIONS',
      headers: { origin: 'http://evil.test', 'access-control-request-method': 'POST' },
    });
    expect(denied.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('rejects bodies over the size limit with BAD_USER_INPUT', async () => {
    const small = await startTestServer({ bodyLimitBytes: 2048 });
    try {
      const response = await new ApiClient(small.url).request('{ me { id } }', {
        pad: 'x'.repeat(4096),
      });
      expect(response.status).toBe(413);
      expect(response.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    } finally {
      await small.stop();
    }
  });

  it('rejects queries deeper or costlier than the limits', async () => {
    const { client } = await aUser(t.url);
    const deep = `{ me { teams { members { nodes { team { members { nodes { team { members { nodes { team { members { nodes { id } } } } } } } } } } } } } }`;
    const response = await client.request(deep);
    expect(response.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(response.errors?.[0].message).toMatch(/deep/);
    const costly = `{ teams(first: 100) { nodes { members(first: 100) { nodes { user { id } team { id name } } } } } }`;
    const costResponse = await client.request(costly);
    expect(costResponse.errors?.[0].message).toMatch(/costs/);
  });

  it('masks unexpected errors as INTERNAL_SERVER_ERROR without SQL or stack', async () => {
    const { client } = await aUser(t.url);
    const team = await aTeam(client);
    await t.sql('ALTER TABLE projects RENAME COLUMN description TO description_gone');
    try {
      const response = await client.request(
        `mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }`,
        { input: { teamId: team.id, name: 'p' } },
      );
      expect(response.errors?.[0].extensions?.code).toBe('INTERNAL_SERVER_ERROR');
      const text = JSON.stringify(response);
      expect(text).not.toMatch(/description|column|INSERT|stack|at /i);
    } finally {
      await t.sql('ALTER TABLE projects RENAME COLUMN description_gone TO description');
    }
  });
});

describe('logs', () => {
  it('never contain passwords, tokens, cookies or their hashes', async () => {
    const lines: string[] = [];
    const logger = createLogger('debug', { write: (line: string) => lines.push(line) });
    const logged = await startTestServer({}, { logger });
    try {
      const password = 'a very secret password';
      const browser = new ApiClient(logged.url);
      await browser.gql(SIGN_UP, { input: { email: 'log@example.test', password, name: 'Log' } });
      const { token } = (await browser.gql(CREATE_TOKEN, { input: { name: 'log' } }))
        .createApiToken;
      await new ApiClient(logged.url).withToken(token).gql(ME);
      await new ApiClient(logged.url).request(LOG_IN, {
        input: { email: 'log@example.test', password: 'wrong password' },
      });
      await logged.sql('ALTER TABLE teams RENAME TO teams_gone');
      await browser.request(`mutation { createTeam(input: { name: "boom" }) { id } }`);
      await logged.sql('ALTER TABLE teams_gone RENAME TO teams');
      const [{ password_hash: hash }] = await logged.sql<{ password_hash: string }>(
        'SELECT password_hash FROM users',
      );
      const text = lines.join('');
      expect(text).toContain('unexpected error'); // the failure itself is logged
      expect(text).toContain('"url":"/graphql"'); // and one line per request
      for (const secret of [password, token, hash, browser.cookie!.split('=')[1]])
        expect(text).not.toContain(secret);
    } finally {
      await logged.stop();
    }
  });
});
