import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTestServer, type TestServer } from '../harness.js';
import { aTeam, aUser } from '../factories/builders.js';
import { ApiClient } from '../factories/client.js';
import { aWorkerToken } from '../factories/worker.js';
import { findSecretsInLogs } from '../log-check.js';
import { recordSecret } from '../secrets.js';

describe('findSecretsInLogs', () => {
  it('finds a recorded secret anywhere in a line, and nothing in clean logs', async () => {
    const folder = await mkdtemp(path.join(tmpdir(), 'finetrack-log-check-'));
    await writeFile(
      path.join(folder, 'secrets-1.jsonl'),
      `${JSON.stringify({ kind: 'token', value: 'ft_abcdefghijkl' })}\n${JSON.stringify({ kind: 'password', value: 'correct horse' })}\n`,
    );
    await writeFile(path.join(folder, 'api-1.log'), '{"msg":"request","url":"/graphql"}\n');
    expect(await findSecretsInLogs(folder)).toEqual({ lines: 1, secrets: 2, leaks: [] });
    await writeFile(
      path.join(folder, 'api-2.log'),
      '{"msg":"x"}\n{"headers":{"authorization":"Bearer ft_abcdefghijkl"},"p":"correct horse"}\n',
    );
    const report = await findSecretsInLogs(folder);
    expect(report.leaks).toHaveLength(2);
    expect(report.leaks[0]).toMatch(/^token in api-2\.log:2: /);
    expect(report.leaks[1]).toMatch(/^password in api-2\.log:2: /);
  });
});

describe('this process’s API log', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('is written, and holds none of the secrets the calls above made', async () => {
    const owner = await aUser(t.url);
    const team = await aTeam(owner.client);
    const token = await aWorkerToken(owner.client, team.id);
    const worker = new ApiClient(t.url).withToken(token);
    expect(await worker.code('{ me { id } }')).toBe('FORBIDDEN');
    const login = `mutation($input: LogInInput!) { logIn(input: $input) { id } }`;
    await new ApiClient(t.url).request(login, {
      input: { email: owner.user.email, password: 'a wrong password' },
    });
    await new ApiClient(t.url).request(login, {
      input: { email: owner.user.email, password: owner.password },
    });
    // A GET carries its variables in the URL; the request line must not.
    recordSecret('a variable in a URL', 'url-borne-secret-value');
    await fetch(
      `${t.url}/graphql?query=${encodeURIComponent('query($p: String) { me { id } }')}&variables=${encodeURIComponent(JSON.stringify({ p: 'url-borne-secret-value' }))}`,
      { headers: { cookie: owner.client.cookie!, 'apollo-require-preflight': '1' } },
    );
    const report = await findSecretsInLogs(inject('logFolder'), process.pid);
    expect(report.lines).toBeGreaterThan(5);
    expect(report.secrets).toBeGreaterThan(5);
    expect(report.leaks).toEqual([]);
  });
});
