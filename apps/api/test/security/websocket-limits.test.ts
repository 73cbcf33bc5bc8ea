import { RUN_UPDATED } from '@finetrack/shared';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anExperiment, aTeam, aUser } from '../factories/builders.js';
import { startTestServer, type TestServer } from '../harness.js';

const MAX_MESSAGE = 8 * 1024;
const MAX_SUBSCRIPTIONS = 5;
const MAX_PENDING = 3;

let t: TestServer;
let token: string;
let experimentId: string;
const sockets: WebSocket[] = [];

beforeAll(async () => {
  t = await startTestServer({
    wsMaxMessageBytes: MAX_MESSAGE,
    wsMaxSubscriptionsPerSocket: MAX_SUBSCRIPTIONS,
    wsMaxPendingSockets: MAX_PENDING,
  });
  const { client } = await aUser(t.url);
  const team = await aTeam(client);
  experimentId = (await anExperiment(client, team.id)).experiment.id as string;
  token = (
    await client.gql(
      `mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token } }`,
      { input: { name: 'socket', teamId: team.id } },
    )
  ).createApiToken.token as string;
});
afterAll(async () => {
  for (const socket of sockets) socket.terminate();
  await t?.stop();
});

interface Raw {
  socket: WebSocket;
  messages: Record<string, unknown>[];
  closed: Promise<{ code: number; reason: string }>;
  /** Resolves with the first message of `type` (and `id`, when given). */
  next(type: string, id?: string): Promise<Record<string, unknown>>;
}

/** A graphql-transport-ws socket spoken by hand, so the tests can send what no client would. */
async function open(): Promise<Raw> {
  const socket = new WebSocket(`${t.url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
  sockets.push(socket);
  const messages: Record<string, unknown>[] = [];
  const waiters: (() => void)[] = [];
  socket.on('message', (data) => {
    messages.push(JSON.parse(String(data)));
    for (const wake of waiters.splice(0)) wake();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('unexpected-response', (_request, response) =>
      reject(new Error(`upgrade refused: ${response.statusCode}`)),
    );
  });
  const next = async (type: string, id?: string) => {
    for (;;) {
      const found = messages.find((m) => m.type === type && (id === undefined || m.id === id));
      if (found) return found;
      await Promise.race([
        new Promise<void>((resolve) => waiters.push(resolve)),
        closed.then(() => {
          throw new Error(`closed before a ${type} message`);
        }),
      ]);
    }
  };
  return { socket, messages, closed, next };
}

async function authenticated(): Promise<Raw> {
  const raw = await open();
  raw.socket.send(
    JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }),
  );
  await raw.next('connection_ack');
  return raw;
}

const subscribe = (raw: Raw, id: string) =>
  raw.socket.send(
    JSON.stringify({
      id,
      type: 'subscribe',
      payload: { query: String(RUN_UPDATED), variables: { experimentId } },
    }),
  );

describe('WebSocket limits', () => {
  it('closes a socket that sends a message over WS_MAX_MESSAGE_BYTES (1009), before parsing it', async () => {
    const raw = await open();
    raw.socket.send(
      JSON.stringify({
        type: 'connection_init',
        payload: { authorization: `Bearer ${token}`, padding: 'x'.repeat(MAX_MESSAGE * 4) },
      }),
    );
    expect((await raw.closed).code).toBe(1009);
    expect(raw.messages).toEqual([]);
  });

  it('refuses a subscription past WS_MAX_SUBSCRIPTIONS_PER_SOCKET and keeps the others', async () => {
    const raw = await authenticated();
    for (let index = 1; index <= MAX_SUBSCRIPTIONS + 1; index++) subscribe(raw, String(index));
    const refused = await raw.next('error', String(MAX_SUBSCRIPTIONS + 1));
    expect(JSON.stringify(refused.payload)).toContain('BAD_USER_INPUT');
    expect(JSON.stringify(refused.payload)).toContain(`${MAX_SUBSCRIPTIONS} subscriptions`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const errors = raw.messages.filter((message) => message.type === 'error');
    expect(errors.map((message) => message.id)).toEqual([String(MAX_SUBSCRIPTIONS + 1)]);
    expect(raw.socket.readyState).toBe(WebSocket.OPEN);
    // Completing one frees its place.
    raw.socket.send(JSON.stringify({ id: '1', type: 'complete' }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    subscribe(raw, 'again');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(raw.messages.some((m) => m.type === 'error' && m.id === 'again')).toBe(false);
  });

  it('closes an unauthenticated socket at connection_init (4401) instead of keeping it open', async () => {
    const raw = await open();
    raw.socket.send(JSON.stringify({ type: 'connection_init' }));
    const closed = await raw.closed;
    expect(closed.code).toBe(4401);
    expect(closed.reason).toContain('UNAUTHENTICATED');
    expect(raw.messages).toEqual([]);
  });

  it('refuses upgrades past WS_MAX_PENDING_SOCKETS sockets waiting for connection_init', async () => {
    const waiting = await Promise.all(Array.from({ length: MAX_PENDING }, () => open()));
    await expect(open()).rejects.toThrow('upgrade refused: 503');
    // An initialised socket no longer counts as waiting.
    waiting[0].socket.send(
      JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }),
    );
    await waiting[0].next('connection_ack');
    const another = await open();
    expect(another.socket.readyState).toBe(WebSocket.OPEN);
    for (const raw of [...waiting, another]) raw.socket.terminate();
  });
});
