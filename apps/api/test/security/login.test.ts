import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../harness.js';
import { aUser } from '../factories/builders.js';
import { ApiClient } from '../factories/client.js';

const LOG_IN = `mutation($input: LogInInput!) { logIn(input: $input) { id } }`;

async function logIn(url: string, email: string, password: string, forwardedFor?: string) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}),
    },
    body: JSON.stringify({ query: LOG_IN, variables: { input: { email, password } } }),
  });
  const body = (await response.json()) as {
    data?: unknown;
    errors?: { message: string; extensions?: { code?: string; retryAfterSeconds?: number } }[];
  };
  return {
    status: response.status,
    body,
    code: body.errors?.[0]?.extensions?.code ?? 'ok',
    setCookie: response.headers.getSetCookie(),
  };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

const retryAfterOf = (body: unknown): number =>
  (body as { errors?: { extensions?: { retryAfterSeconds?: number } }[] }).errors?.[0]?.extensions
    ?.retryAfterSeconds ?? 0;
const withoutRetryAfter = (body: unknown): unknown =>
  JSON.parse(JSON.stringify(body, (key, value) => (key === 'retryAfterSeconds' ? 0 : value)));

describe('log-in limits per account', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ loginMaxFailuresPerAccount: 3, loginMaxFailuresPerAddress: 1000 });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('answer an unknown email exactly like a wrong password, and limit both alike', async () => {
    const known = await aUser(t.url);
    const answers = { known: [] as string[], unknown: [] as string[] };
    for (let i = 0; i < 4; i++) {
      const wrong = await logIn(t.url, known.user.email, 'wrong password');
      const unknown = await logIn(t.url, 'nobody@example.test', 'wrong password');
      // The two answers come a moment apart, so a Retry-After may tick over a second between them.
      expect(withoutRetryAfter(unknown.body)).toEqual(withoutRetryAfter(wrong.body));
      expect(Math.abs(retryAfterOf(unknown.body) - retryAfterOf(wrong.body))).toBeLessThanOrEqual(
        1,
      );
      expect(unknown.status).toBe(wrong.status);
      expect(wrong.setCookie).toEqual([]);
      expect(unknown.setCookie).toEqual([]);
      answers.known.push(wrong.code);
      answers.unknown.push(unknown.code);
    }
    const expected = ['UNAUTHENTICATED', 'UNAUTHENTICATED', 'UNAUTHENTICATED', 'RATE_LIMITED'];
    expect(answers).toEqual({ known: expected, unknown: expected });
    // Locked even with the right password (a guesser learns nothing from the answer), and told
    // when to try again: within the 300 s window.
    const locked = await logIn(t.url, known.user.email, known.password);
    expect(locked.code).toBe('RATE_LIMITED');
    const wait = locked.body.errors?.[0]?.extensions?.retryAfterSeconds;
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(300);
    // Other accounts from the same address are unaffected.
    const other = await aUser(t.url);
    expect((await logIn(t.url, other.user.email, other.password)).code).toBe('ok');
  });

  it('counts emails case-insensitively', async () => {
    const user = await aUser(t.url);
    for (const email of [user.user.email, user.user.email.toUpperCase(), ` ${user.user.email}`])
      expect((await logIn(t.url, email, 'wrong password')).code).toBe('UNAUTHENTICATED');
    expect((await logIn(t.url, user.user.email.toUpperCase(), user.password)).code).toBe(
      'RATE_LIMITED',
    );
  });
});

describe('log-in limits per address', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ loginMaxFailuresPerAccount: 1000, loginMaxFailuresPerAddress: 5 });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('block an address spraying many accounts; X-Forwarded-For is ignored without TRUST_PROXY', async () => {
    const victim = await aUser(t.url);
    const codes: string[] = [];
    for (let i = 0; i < 5; i++)
      codes.push((await logIn(t.url, `spray-${i}@example.test`, 'password1', `10.0.0.${i}`)).code);
    expect(codes).toEqual(Array(5).fill('UNAUTHENTICATED'));
    const blocked = await logIn(t.url, victim.user.email, victim.password, '10.9.9.9');
    expect(blocked.code).toBe('RATE_LIMITED');
    expect(blocked.setCookie).toEqual([]);
    // Sessions already open are not touched by the limit.
    expect((await victim.client.request('{ me { id } }')).data).toEqual({
      me: { id: victim.user.id },
    });
  });
});

describe('log-in limits behind a trusted proxy (TRUST_PROXY=true)', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({
      trustProxy: true,
      loginMaxFailuresPerAccount: 1000,
      loginMaxFailuresPerAddress: 3,
    });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('count each forwarded client address on its own', async () => {
    const user = await aUser(t.url);
    for (let i = 0; i < 3; i++)
      expect((await logIn(t.url, `x${i}@example.test`, 'password1', '203.0.113.7')).code).toBe(
        'UNAUTHENTICATED',
      );
    expect((await logIn(t.url, user.user.email, user.password, '203.0.113.7')).code).toBe(
      'RATE_LIMITED',
    );
    expect((await logIn(t.url, user.user.email, user.password, '198.51.100.4')).code).toBe('ok');
  });
});

describe('log-in timing', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({
      loginMaxFailuresPerAccount: 1000,
      loginMaxFailuresPerAddress: 1000,
    });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('an unknown email and a wrong password take the same time (medians within 2×)', async () => {
    const known = await aUser(t.url);
    const client = new ApiClient(t.url);
    const timed = async (email: string) => {
      const started = performance.now();
      const code = await client.code(LOG_IN, { input: { email, password: 'not the password' } });
      expect(code).toBe('UNAUTHENTICATED');
      return performance.now() - started;
    };
    for (let i = 0; i < 3; i++) await timed(known.user.email); // warm-up
    const samples = { unknown: [] as number[], wrong: [] as number[] };
    // Interleaved in ABBA order, so load on the machine and any first-of-a-pair cost fall on
    // both alike.
    for (let i = 0; i < 25; i++) {
      const wrong = () => timed(known.user.email).then((ms) => samples.wrong.push(ms));
      const unknown = () => timed(`ghost-${i}@example.test`).then((ms) => samples.unknown.push(ms));
      if (i % 2 === 0) await wrong().then(unknown);
      else await unknown().then(wrong);
    }
    const medians = { unknown: median(samples.unknown), wrong: median(samples.wrong) };
    console.log(
      `log-in timing medians (25 each): unknown email ${medians.unknown.toFixed(1)} ms, wrong password ${medians.wrong.toFixed(1)} ms`,
    );
    // Without the dummy verification an unknown email answers ~10× faster than a wrong password
    // (no argon2 at all); 2× leaves room for any load this machine sees.
    const ratio = medians.unknown / medians.wrong;
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });
});

const SIGN_UP = `mutation($input: SignUpInput!) { signUp(input: $input) { id } }`;

async function signUp(url: string, email: string, forwardedFor: string) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
    body: JSON.stringify({
      query: SIGN_UP,
      variables: { input: { email, password: 'correct horse battery', name: 'Sign-up test' } },
    }),
  });
  const body = (await response.json()) as {
    errors?: { extensions?: { code?: string; retryAfterSeconds?: number } }[];
  };
  return {
    code: body.errors?.[0]?.extensions?.code ?? 'ok',
    retryAfterSeconds: body.errors?.[0]?.extensions?.retryAfterSeconds,
  };
}

describe('sign-up limits per address (each sign-up costs an argon2 hash)', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({
      trustProxy: true,
      signUpMaxPerAddress: 3,
      signUpWindowSeconds: 600,
    });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('refuse an address past the limit, failed attempts included, and no other address', async () => {
    const address = '203.0.113.20';
    expect((await signUp(t.url, 'first@example.test', address)).code).toBe('ok');
    // A duplicate still cost a hash, so it counts.
    expect((await signUp(t.url, 'first@example.test', address)).code).toBe('CONFLICT');
    expect((await signUp(t.url, 'second@example.test', address)).code).toBe('ok');
    const refused = await signUp(t.url, 'third@example.test', address);
    expect(refused.code).toBe('RATE_LIMITED');
    expect(refused.retryAfterSeconds).toBeGreaterThan(0);
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(600);
    const [row] = await t.sql(`SELECT count(*)::int AS n FROM users WHERE email = $1`, [
      'third@example.test',
    ]);
    expect(row.n).toBe(0);
    expect((await signUp(t.url, 'third@example.test', '198.51.100.20')).code).toBe('ok');
  });
});

describe('log-in limits under parallel guesses', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({
      loginMaxFailuresPerAccount: 10,
      loginMaxFailuresPerAddress: 20,
      trustProxy: true,
    });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('check at most the account limit of 40 parallel guesses, then refuse the right password', async () => {
    const victim = await aUser(t.url);
    const address = (i: number) => `198.51.100.${i + 1}`; // many addresses: only the account limit
    const codes = (
      await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          logIn(t.url, victim.user.email, `guess ${i}`, address(i)),
        ),
      )
    ).map((answer) => answer.code);
    expect(codes.filter((code) => code === 'UNAUTHENTICATED').length).toBeLessThanOrEqual(10);
    expect(codes.filter((code) => code === 'RATE_LIMITED').length).toBeGreaterThanOrEqual(30);
    const right = await logIn(t.url, victim.user.email, victim.password, address(41));
    expect(right.code).toBe('RATE_LIMITED');
    expect(right.setCookie).toEqual([]);
  });

  it('check at most the address limit of 40 parallel guesses from one address', async () => {
    const guesses = Array.from({ length: 40 }, (_, i) =>
      logIn(t.url, `sprayed-${i}@example.test`, 'guess', '203.0.113.99'),
    );
    const codes = (await Promise.all(guesses)).map((answer) => answer.code);
    expect(codes.filter((code) => code === 'UNAUTHENTICATED').length).toBeLessThanOrEqual(20);
    expect(codes.filter((code) => code === 'RATE_LIMITED').length).toBeGreaterThanOrEqual(20);
  });
});
