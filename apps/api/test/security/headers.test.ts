import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../harness.js';
import { aUser } from '../factories/builders.js';

/** The cookie attributes of a Set-Cookie line, lower-cased names. */
function attributes(line: string): Map<string, string> {
  const [, ...parts] = line.split(';');
  return new Map(
    parts.map((part) => {
      const [name, ...value] = part.trim().split('=');
      return [name.toLowerCase(), value.join('=')];
    }),
  );
}

async function signUpCookie(url: string): Promise<string> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query: `mutation($input: SignUpInput!) { signUp(input: $input) { id } }`,
      variables: {
        input: {
          email: `cookie-${Math.random().toString(36).slice(2)}@example.test`,
          password: 'cookie jar password',
          name: 'Cookie',
        },
      },
    }),
  });
  const [line] = response.headers.getSetCookie();
  expect(line).toMatch(/^finetrack_session=/);
  return line;
}

const API_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-site',
};

for (const nodeEnv of ['test', 'production'] as const) {
  describe(`NODE_ENV=${nodeEnv}`, () => {
    let t: TestServer;
    beforeAll(async () => {
      t = await startTestServer({ nodeEnv });
    });
    afterAll(async () => {
      await t?.stop();
    });

    const REQUESTS: [string, () => Promise<Response>][] = [
      ['a GraphQL answer', () => fetch(`${t.url}/graphql`, post('{ __typename }'))],
      ['a GraphQL error', () => fetch(`${t.url}/graphql`, post('{ nope }'))],
      ['malformed JSON', () => fetch(`${t.url}/graphql`, { ...post(''), body: '{"query":' })],
      ['the health check', () => fetch(`${t.url}/healthz`)],
      ['an artifact that does not exist', () => fetch(`${t.url}/artifacts/nope`)],
      ['an unknown path', () => fetch(`${t.url}/nothing-here`)],
    ];

    it.each(REQUESTS)('%s carries the security headers', async (_name, send) => {
      const response = await send();
      await response.arrayBuffer();
      for (const [name, value] of Object.entries(API_HEADERS))
        expect(response.headers.get(name), name).toBe(value);
      expect(response.headers.get('x-powered-by')).toBeNull();
      const hsts = response.headers.get('strict-transport-security');
      if (nodeEnv === 'production') expect(hsts).toMatch(/max-age=31536000/);
      else expect(hsts).toBeNull();
    });

    it('allows nothing by CSP (outside production, /graphql is left to Apollo’s landing page)', async () => {
      const health = (await fetch(`${t.url}/healthz`)).headers.get('content-security-policy');
      expect(health).toContain("default-src 'none'");
      expect(health).toContain("frame-ancestors 'none'");
      const graphql = (await fetch(`${t.url}/graphql`, post('{ __typename }'))).headers.get(
        'content-security-policy',
      );
      if (nodeEnv === 'production') expect(graphql).toBe(health);
      else expect(graphql).toBeNull();
    });

    it(`sets the session cookie HttpOnly, SameSite=Lax, Path=/${nodeEnv === 'production' ? ', Secure' : ''}`, async () => {
      const cookie = attributes(await signUpCookie(t.url));
      expect(cookie.has('httponly')).toBe(true);
      expect(cookie.get('samesite')).toBe('Lax');
      expect(cookie.get('path')).toBe('/');
      expect(cookie.has('secure')).toBe(nodeEnv === 'production');
      expect(new Date(cookie.get('expires')!).getTime()).toBeGreaterThan(Date.now());
    });

    it('clears the cookie on log-out', async () => {
      const user = await aUser(t.url);
      const response = await fetch(`${t.url}/graphql`, {
        ...post('mutation { logOut }'),
        headers: { 'content-type': 'application/json', cookie: user.client.cookie! },
      });
      const [line] = response.headers.getSetCookie();
      expect(line).toMatch(/^finetrack_session=;/);
      expect(new Date(attributes(line).get('expires')!).getTime()).toBeLessThanOrEqual(Date.now());
    });
  });
}

function post(query: string): RequestInit {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  };
}
