import { CLAIM_RUN, HEARTBEAT_RUN, type ClaimedRun } from '@finetrack/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, aTeam, aUser } from './factories/builders.js';
import type { ApiClient } from './factories/client.js';
import { aQueuedExperiment, CAPABILITIES, failure, workerClient } from './factories/worker.js';
import { startTestServer, type TestServer } from './harness.js';

const ADMIN = 'root@workers.test';
const CREATE_TOKEN = `mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token } }`;
const WORKERS = `query($id: ID!) { team(id: $id) { workers {
  id workerId name hostname backends device kinds concurrency version protocolVersion
  instance online busy currentRun { id status } firstSeenAt lastHeartbeatAt } } }`;
const REVOKE = `mutation($teamId: ID!, $workerId: ID!) { revokeWorker(teamId: $teamId, workerId: $workerId) }`;

let t: TestServer;
let instanceAdmin: ApiClient;

beforeAll(async () => {
  t = await startTestServer({ adminEmails: [ADMIN] });
  instanceAdmin = (await aUser(t.url, { email: ADMIN })).client;
});
afterAll(async () => {
  await t?.stop();
});

interface ListedWorker {
  id: string;
  workerId: string;
  name: string;
  instance: boolean;
  online: boolean;
  busy: boolean;
  concurrency: number | null;
  version: string | null;
  currentRun: { id: string } | null;
  lastHeartbeatAt: string;
}

async function workersOf(client: ApiClient, teamId: string): Promise<ListedWorker[]> {
  return (await client.gql(WORKERS, { id: teamId })).team.workers as ListedWorker[];
}

/** The team's own workers (instance workers of other tests serve every team too). */
async function teamWorkersOf(client: ApiClient, teamId: string): Promise<ListedWorker[]> {
  return (await workersOf(client, teamId)).filter((worker) => !worker.instance);
}

/** claimRun with waitSeconds 0, as a worker registers itself. */
async function register(
  token: string,
  workerId: string,
  extra: Record<string, unknown> = {},
): Promise<ClaimedRun | null> {
  const data = await workerClient(t.url, token).request(CLAIM_RUN, {
    input: { workerId, capabilities: { ...CAPABILITIES, ...extra }, waitSeconds: 0 },
  });
  return data.claimRun;
}

async function anInstanceToken(): Promise<string> {
  const data = await instanceAdmin.gql(CREATE_TOKEN, { input: { name: 'pool', role: 'WORKER' } });
  return data.createApiToken.token as string;
}

const heartbeat = (token: string, run: ClaimedRun) =>
  workerClient(t.url, token).request(HEARTBEAT_RUN, {
    input: { runId: run.runId, leaseToken: run.leaseToken },
  });

describe('the worker registry', () => {
  it('lists a team worker once it claimed, with what it announced, and the run it executes', async () => {
    const setup = await aQueuedExperiment(t.url);
    const id = `gpu-1:${Date.now()}:a`;
    const run = await register(setup.token, id, {
      name: 'gpu box',
      concurrency: 4,
      version: '1.2.3',
    });
    expect(run?.runId).toBe(setup.runIds[0]);
    const [worker, ...others] = await teamWorkersOf(setup.owner, setup.team.id);
    expect(others).toEqual([]);
    expect(worker).toMatchObject({
      workerId: id,
      name: 'gpu box',
      hostname: CAPABILITIES.hostname,
      backends: CAPABILITIES.backends,
      device: CAPABILITIES.device,
      kinds: ['PRETRAIN', 'FINETUNE'],
      concurrency: 4,
      version: '1.2.3',
      instance: false,
      online: true,
      busy: true,
      currentRun: { id: setup.runIds[0], status: 'RUNNING' },
    });
    // One row per worker: claiming again updates it.
    await register(setup.token, id, { name: 'renamed' });
    const rows = await t.sql('SELECT name FROM workers WHERE worker_id = $1', [id]);
    expect(rows).toEqual([{ name: 'renamed' }]);
  });

  it('takes workers that announce none of the new fields (named after their host)', async () => {
    const { client, user } = await aUser(t.url);
    const team = await aTeam(client);
    const token = (
      await client.gql(CREATE_TOKEN, { input: { name: 'w', teamId: team.id, role: 'WORKER' } })
    ).createApiToken.token as string;
    await register(token, 'old-worker:1:x');
    expect(user.id).toBeTruthy();
    const [worker] = await teamWorkersOf(client, team.id);
    expect(worker).toMatchObject({
      name: CAPABILITIES.hostname,
      concurrency: null,
      version: null,
      busy: false,
      currentRun: null,
    });
  });

  it('stamps the heartbeat on claimRun and heartbeatRun, and goes offline without them', async () => {
    const setup = await aQueuedExperiment(t.url);
    const run = (await register(setup.token, 'beating:1:x'))!;
    await t.sql(
      `UPDATE workers SET last_heartbeat_at = now() - interval '1 hour' WHERE worker_id = $1`,
      ['beating:1:x'],
    );
    await heartbeat(setup.token, run);
    const [beaten] = await teamWorkersOf(setup.owner, setup.team.id);
    expect(Date.now() - Date.parse(beaten.lastHeartbeatAt)).toBeLessThan(60_000);
    // Without a lease and not seen for long, it is offline (and listed after online ones).
    await t.sql(`UPDATE runs SET lease_expires_at = now() - interval '1 second' WHERE id = $1`, [
      run.runId,
    ]);
    await t.sql(
      `UPDATE workers SET last_heartbeat_at = now() - interval '10 minutes' WHERE worker_id = $1`,
      ['beating:1:x'],
    );
    await register(setup.token, 'fresh:1:x');
    const listed = await teamWorkersOf(setup.owner, setup.team.id);
    expect(listed.map((w) => [w.workerId, w.online])).toEqual([
      ['fresh:1:x', true],
      ['beating:1:x', false],
    ]);
  });

  it('shows instance workers to every team, and another team’s run only as busy', async () => {
    const a = await aQueuedExperiment(t.url);
    const b = await aQueuedExperiment(t.url);
    const token = await anInstanceToken();
    const workerId = `pool:${Date.now()}:i`;
    // The team with nothing running first: one of the two teams' runs.
    const run = (await register(token, workerId))!;
    const [mine, theirs] = run.teamId === a.team.id ? [a, b] : [b, a];
    const seenByMine = (await workersOf(mine.owner, mine.team.id)).find(
      (w) => w.workerId === workerId,
    );
    expect(seenByMine).toMatchObject({ instance: true, busy: true, currentRun: { id: run.runId } });
    const seenByTheirs = (await workersOf(theirs.owner, theirs.team.id)).find(
      (w) => w.workerId === workerId,
    );
    expect(seenByTheirs).toMatchObject({ instance: true, busy: true, currentRun: null });
    // A team's own workers are not another team's.
    await register(a.token, 'only-a:1:x');
    expect((await workersOf(b.owner, b.team.id)).map((w) => w.workerId)).not.toContain(
      'only-a:1:x',
    );
  });

  it('is NOT_FOUND for other teams, readable by viewers', async () => {
    const setup = await aQueuedExperiment(t.url);
    await register(setup.token, 'private:1:x');
    const stranger = await aUser(t.url);
    expect(await stranger.client.code(WORKERS, { id: setup.team.id })).toBe('NOT_FOUND');
    const viewer = await aUser(t.url);
    await addMember(setup.owner, setup.team.id, viewer, 'VIEWER');
    expect((await teamWorkersOf(viewer.client, setup.team.id)).map((w) => w.workerId)).toEqual([
      'private:1:x',
    ]);
  });
});

describe('revokeWorker', () => {
  it('lets team admins revoke a team worker: it can no longer claim nor heartbeat', async () => {
    const setup = await aQueuedExperiment(t.url);
    const run = (await register(setup.token, 'doomed:1:x'))!;
    const [worker] = await teamWorkersOf(setup.owner, setup.team.id);
    const stranger = await aUser(t.url);
    const strangerTeam = await aTeam(stranger.client);
    const cases: [string, ApiClient, string, string][] = [
      ['another team’s owner', stranger.client, setup.team.id, 'NOT_FOUND'],
      ['through a team that is not the worker’s', stranger.client, strangerTeam.id, 'NOT_FOUND'],
      ['an unknown id', setup.owner, setup.team.id, 'NOT_FOUND'],
    ];
    for (const role of ['VIEWER', 'MEMBER']) {
      const member = await aUser(t.url);
      await addMember(setup.owner, setup.team.id, member, role);
      cases.push([role, member.client, setup.team.id, 'FORBIDDEN']);
    }
    for (const [, client, teamId, code] of cases) {
      const workerId = code === 'NOT_FOUND' && client === setup.owner ? 'nope' : worker.id;
      expect(await client.code(REVOKE, { teamId, workerId })).toBe(code);
    }
    expect((await teamWorkersOf(setup.owner, setup.team.id)).length).toBe(1);

    const admin = await aUser(t.url);
    await addMember(setup.owner, setup.team.id, admin, 'ADMIN');
    expect(
      (await admin.client.gql(REVOKE, { teamId: setup.team.id, workerId: worker.id })).revokeWorker,
    ).toBe(true);
    expect(await teamWorkersOf(setup.owner, setup.team.id)).toEqual([]);
    expect((await failure(register(setup.token, 'doomed:1:x'))).code).toBe('UNAUTHENTICATED');
    expect((await failure(heartbeat(setup.token, run))).code).toBe('UNAUTHENTICATED');
  });

  it('leaves instance workers to instance administrators', async () => {
    const token = await anInstanceToken();
    const owner = await aUser(t.url);
    const team = await aTeam(owner.client);
    await register(token, 'shared:1:x');
    const worker = (await workersOf(owner.client, team.id)).find(
      (w) => w.workerId === 'shared:1:x',
    )!;
    expect(await owner.client.code(REVOKE, { teamId: team.id, workerId: worker.id })).toBe(
      'FORBIDDEN',
    );
    // An instance administrator revokes it through a team they belong to.
    const adminTeam = await aTeam(instanceAdmin);
    expect(
      (await instanceAdmin.gql(REVOKE, { teamId: adminTeam.id, workerId: worker.id })).revokeWorker,
    ).toBe(true);
    expect((await workersOf(owner.client, team.id)).map((w) => w.workerId)).not.toContain(
      'shared:1:x',
    );
    expect((await failure(register(token, 'shared:1:x'))).code).toBe('UNAUTHENTICATED');
  });
});
