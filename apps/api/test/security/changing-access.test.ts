import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, aTeam, anExperiment, aUser } from '../factories/builders.js';
import { aCompletion, aWorkerToken, claim, failure, workerClient } from '../factories/worker.js';
import { startTestServer, type TestServer } from '../harness.js';

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.stop();
});

const UPDATE_MEMBER = `mutation($input: UpdateTeamMemberInput!) { updateTeamMember(input: $input) { role } }`;
const REMOVE_MEMBER = `mutation($teamId: ID!, $userId: ID!) { removeTeamMember(teamId: $teamId, userId: $userId) }`;

/** An owner, an admin of the same team, and a worker token the admin made. */
async function aTeamWithAnAdminsWorker() {
  const owner = await aUser(t.url);
  const admin = await aUser(t.url);
  const team = await aTeam(owner.client);
  await addMember(owner.client, team.id, admin, 'ADMIN');
  await anExperiment(owner.client, team.id, {
    frozenLayers: [1],
    learningRates: [0.01],
    seeds: [1],
    includeScratchBaseline: false,
  });
  const token = await aWorkerToken(admin.client, team.id);
  return { owner, admin, team, token, worker: workerClient(t.url, token) };
}

const revokedAt = async (token: string) => {
  const [row] = await t.sql<{ revoked: boolean }>(
    `SELECT revoked_at IS NOT NULL AS revoked FROM api_tokens WHERE prefix = $1`,
    [token.slice(0, 9)],
  );
  return row.revoked;
};

describe('a worker token acts with its creator’s current rights', () => {
  it.each([
    [
      'removed from the team',
      (setup: Awaited<ReturnType<typeof aTeamWithAnAdminsWorker>>) =>
        setup.owner.client.gql(REMOVE_MEMBER, {
          teamId: setup.team.id,
          userId: setup.admin.user.id,
        }),
    ],
    [
      'demoted to member',
      (setup: Awaited<ReturnType<typeof aTeamWithAnAdminsWorker>>) =>
        setup.owner.client.gql(UPDATE_MEMBER, {
          input: { teamId: setup.team.id, userId: setup.admin.user.id, role: 'MEMBER' },
        }),
    ],
  ])('stops working and is listed revoked once its creator is %s', async (_name, change) => {
    const setup = await aTeamWithAnAdminsWorker();
    expect(await revokedAt(setup.token)).toBe(false);
    await change(setup);
    expect(await failure(claim(setup.worker))).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(await revokedAt(setup.token)).toBe(true);
    const [{ queued }] = await t.sql<{ queued: number }>(
      `SELECT count(*)::int AS queued FROM runs WHERE team_id = $1 AND status = 'queued'`,
      [setup.team.id],
    );
    expect(queued).toBe(1);
  });

  it('is refused even where no revocation reached it (a role changed behind the API’s back)', async () => {
    const setup = await aTeamWithAnAdminsWorker();
    // As if another API process had demoted the admin and this one's cache were cold.
    await t.sql(`UPDATE memberships SET role = 'member' WHERE team_id = $1 AND user_id = $2`, [
      setup.team.id,
      setup.admin.user.id,
    ]);
    expect(await failure(claim(setup.worker))).toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});

describe('a team keeps an owner under concurrency', () => {
  it('two owners demoting or removing each other at the same moment leave one owner', async () => {
    for (let round = 0; round < 4; round++) {
      const first = await aUser(t.url);
      const second = await aUser(t.url);
      const team = await aTeam(first.client);
      await addMember(first.client, team.id, second, 'OWNER');
      const [a, b] = await Promise.all([
        round % 2 === 0
          ? first.client.request(UPDATE_MEMBER, {
              input: { teamId: team.id, userId: second.user.id, role: 'VIEWER' },
            })
          : first.client.request(REMOVE_MEMBER, { teamId: team.id, userId: second.user.id }),
        second.client.request(UPDATE_MEMBER, {
          input: { teamId: team.id, userId: first.user.id, role: 'ADMIN' },
        }),
      ]);
      const failed = [a, b].filter((answer) => answer.errors);
      expect(failed).toHaveLength(1);
      expect(['FORBIDDEN', 'CONFLICT', 'NOT_FOUND']).toContain(
        failed[0].errors?.[0]?.extensions?.code,
      );
      const [{ owners }] = await t.sql<{ owners: number }>(
        `SELECT count(*)::int AS owners FROM memberships WHERE team_id = $1 AND role = 'owner'`,
        [team.id],
      );
      expect(owners).toBe(1);
    }
  });
});

describe('a lease belongs to the token that claimed it', () => {
  it('a second worker token reusing the holder’s worker id does not get its run or lease', async () => {
    const setup = await aTeamWithAnAdminsWorker();
    const other = workerClient(t.url, await aWorkerToken(setup.owner.client, setup.team.id));
    const held = await claim(setup.worker, 'gpu-host-1');
    expect(held).not.toBeNull();
    const taken = await claim(other, 'gpu-host-1');
    expect(taken).toBeNull(); // the team's only run is held
    // The holder's retried claim still gets its own lease back.
    expect((await claim(setup.worker, 'gpu-host-1'))?.leaseToken).toBe(held!.leaseToken);
  });
});

describe('what worker operations answer', () => {
  it.each([
    ['the completed model’s dataset spec', 'model { id dataset { spec } }'],
    ['the source model’s layers', 'model { id parent { layers { name } } }'],
    ['the run’s artifacts', 'run { id artifacts { id fileName } }'],
  ])('a worker token cannot read %s through completeRun’s result', async (_name, nested) => {
    const setup = await aTeamWithAnAdminsWorker();
    const run = await claim(setup.worker);
    const answer = await failure(
      setup.worker.request(
        `mutation($input: CompleteRunInput!) { completeRun(input: $input) { ${nested} } }`,
        { input: aCompletion(run!) },
      ),
    );
    expect(answer).toMatchObject({ code: 'FORBIDDEN' });
    const [{ status }] = await t.sql<{ status: string }>('SELECT status FROM runs WHERE id = $1', [
      run!.runId,
    ]);
    expect(status).toBe('running'); // refused before the resolver
  });
});
