import { INVITATIONS_PER_INVITER_PER_HOUR, INVITATIONS_PER_TEAM_PER_HOUR } from '@finetrack/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ACCEPT_INVITATION,
  addMember,
  aTeam,
  aUser,
  INVITE_MEMBER,
} from '../factories/builders.js';
import type { ApiClient } from '../factories/client.js';
import { aWorkerToken } from '../factories/worker.js';
import { startTestServer, type TestServer } from '../harness.js';

let t: TestServer;

beforeAll(async () => {
  // The hourly limits as shipped (the harness raises them for every other suite).
  t = await startTestServer({
    invitationsPerTeamPerHour: INVITATIONS_PER_TEAM_PER_HOUR,
    invitationsPerInviterPerHour: INVITATIONS_PER_INVITER_PER_HOUR,
  });
});
afterAll(async () => {
  await t?.stop();
});

const DECLINE = `mutation($id: ID!) { declineInvitation(id: $id) }`;
const REVOKE = `mutation($id: ID!) { revokeInvitation(id: $id) }`;
const LEAVE = `mutation($id: ID!) { leaveTeam(teamId: $id) }`;
const MY_INVITATIONS = `{ me { invitations { id teamId teamName role inviterName } } }`;
const TEAM_INVITATIONS = `query($id: ID!) { team(id: $id) { invitations { id email status } } }`;
const MEMBERS = `query($id: ID!) { team(id: $id) { members(first: 100) { nodes { userId role } } } }`;

const invite = (client: ApiClient, teamId: string, email: string, role = 'MEMBER') =>
  client.request(INVITE_MEMBER, { input: { teamId, email, role } });

async function membersOf(teamId: string) {
  return t.sql<{ user_id: string; role: string }>(
    'SELECT user_id, role FROM memberships WHERE team_id = $1 ORDER BY user_id',
    [teamId],
  );
}

describe('inviting says nothing about accounts', () => {
  it('answers the same for an email with an account and one without', async () => {
    const owner = await aUser(t.url);
    const team = await aTeam(owner.client);
    const known = await aUser(t.url);
    const unknown = `nobody-${Date.now()}@example.test`;
    const strip = (answer: Awaited<ReturnType<typeof invite>>) => {
      const invitation = answer.data?.inviteTeamMember as Record<string, unknown>;
      const { id: _id, email: _email, expiresAt: _expiresAt, ...rest } = invitation;
      return { errors: answer.errors, rest };
    };
    const forKnown = await invite(owner.client, team.id, known.user.email);
    const forUnknown = await invite(owner.client, team.id, unknown);
    expect(forKnown.errors).toBeUndefined();
    expect(strip(forKnown)).toEqual(strip(forUnknown));
    // The team's list shows both the same way, and neither is a member yet.
    const listed = await owner.client.gql(TEAM_INVITATIONS, { id: team.id });
    expect(
      (listed.team.invitations as { email: string; status: string }[])
        .map((row) => row.status)
        .sort(),
    ).toEqual(['PENDING', 'PENDING']);
    expect(await membersOf(team.id)).toHaveLength(1);
  });

  it('takes about as long for either (no account is looked up)', async () => {
    const owner = await aUser(t.url);
    const team = await aTeam(owner.client);
    const known = await Promise.all([1, 2, 3, 4, 5, 6].map(() => aUser(t.url)));
    const time = async (email: string) => {
      const start = process.hrtime.bigint();
      const answer = await invite(owner.client, team.id, email, 'VIEWER');
      expect(answer.errors).toBeUndefined();
      return Number(process.hrtime.bigint() - start) / 1e6;
    };
    const knownTimes: number[] = [];
    const unknownTimes: number[] = [];
    for (const [index, user] of known.entries()) {
      knownTimes.push(await time(user.user.email));
      unknownTimes.push(await time(`ghost-${index}-${Date.now()}@example.test`));
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1];
    // A password-hash or lookup difference would be tens of ms; both are one team's queries.
    expect(Math.abs(median(knownTimes) - median(unknownTimes))).toBeLessThan(25);
  });
});

describe('the invitee must accept', () => {
  it('is not a member until accepting, and then with the invited role', async () => {
    const owner = await aUser(t.url);
    const team = await aTeam(owner.client);
    const invitee = await aUser(t.url);
    const sent = await owner.client.gql(INVITE_MEMBER, {
      input: { teamId: team.id, email: invitee.user.email.toUpperCase(), role: 'ADMIN' },
    });
    expect(await membersOf(team.id)).toHaveLength(1);
    expect(
      await invitee.client.code(`query($id: ID!) { team(id: $id) { id } }`, { id: team.id }),
    ).toBe('NOT_FOUND');
    const mine = await invitee.client.gql(MY_INVITATIONS);
    expect(mine.me.invitations).toEqual([
      {
        id: sent.inviteTeamMember.id,
        teamId: team.id,
        teamName: team.name,
        role: 'ADMIN',
        inviterName: owner.user.name,
      },
    ]);
    const joined = await invitee.client.gql(ACCEPT_INVITATION, { id: sent.inviteTeamMember.id });
    expect(joined.acceptInvitation).toMatchObject({ role: 'ADMIN', userId: invitee.user.id });
    expect((await invitee.client.gql(MY_INVITATIONS)).me.invitations).toEqual([]);
    expect(await invitee.client.code(ACCEPT_INVITATION, { id: sent.inviteTeamMember.id })).toBe(
      'CONFLICT',
    );
  });

  it('reaches someone who signs up after being invited', async () => {
    const owner = await aUser(t.url);
    const team = await aTeam(owner.client);
    const email = `later-${Date.now()}@example.test`;
    await owner.client.gql(INVITE_MEMBER, { input: { teamId: team.id, email, role: 'VIEWER' } });
    const later = await aUser(t.url, { email: email.replace('later', 'Later') });
    const [invitation] = (await later.client.gql(MY_INVITATIONS)).me.invitations;
    expect(invitation.teamId).toBe(team.id);
    await later.client.gql(ACCEPT_INVITATION, { id: invitation.id });
    expect((await membersOf(team.id)).map((row) => row.role).sort()).toEqual(['owner', 'viewer']);
  });

  it('cannot be accepted or declined by another account', async () => {
    const owner = await aUser(t.url);
    const team = await aTeam(owner.client);
    const invitee = await aUser(t.url);
    const other = await aUser(t.url);
    const sent = await owner.client.gql(INVITE_MEMBER, {
      input: { teamId: team.id, email: invitee.user.email, role: 'MEMBER' },
    });
    const id = sent.inviteTeamMember.id;
    expect(await other.client.code(ACCEPT_INVITATION, { id })).toBe('NOT_FOUND');
    expect(await other.client.code(DECLINE, { id })).toBe('NOT_FOUND');
    // Not even the inviter, nor the invitee through a token limited to another team.
    expect(await owner.client.code(ACCEPT_INVITATION, { id })).toBe('NOT_FOUND');
    const ownTeam = await aTeam(invitee.client);
    const limited = await invitee.client.gql(
      `mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token } }`,
      { input: { name: 'limited', teamId: ownTeam.id } },
    );
    const viaToken = invitee.client.withToken(limited.createApiToken.token);
    expect(await viaToken.code(ACCEPT_INVITATION, { id })).toBe('FORBIDDEN');
    expect(await membersOf(team.id)).toHaveLength(1);
    expect(await invitee.client.gql(DECLINE, { id })).toEqual({ declineInvitation: true });
    expect(await invitee.client.code(ACCEPT_INVITATION, { id })).toBe('CONFLICT');
  });
});

describe('who may invite, with which role', () => {
  it.each([
    ['ADMIN', 'OWNER', 'FORBIDDEN'],
    ['ADMIN', 'ADMIN', 'ok'],
    ['MEMBER', 'VIEWER', 'FORBIDDEN'],
    ['VIEWER', 'VIEWER', 'FORBIDDEN'],
    ['OWNER', 'OWNER', 'ok'],
  ])('a %s inviting as %s → %s', async (inviterRole, role, outcome) => {
    const owner = await aUser(t.url);
    const team = await aTeam(owner.client);
    let inviter = owner.client;
    if (inviterRole !== 'OWNER') {
      const member = await aUser(t.url);
      await addMember(owner.client, team.id, member, inviterRole);
      inviter = member.client;
    }
    const answer = await invite(inviter, team.id, `r-${Date.now()}@example.test`, role);
    expect(answer.errors?.[0]?.extensions?.code ?? 'ok').toBe(outcome);
  });
});

describe('revoked and expired invitations', () => {
  it('cannot be accepted once revoked', async () => {
    const owner = await aUser(t.url);
    const team = await aTeam(owner.client);
    const invitee = await aUser(t.url);
    const sent = await owner.client.gql(INVITE_MEMBER, {
      input: { teamId: team.id, email: invitee.user.email, role: 'MEMBER' },
    });
    await owner.client.gql(REVOKE, { id: sent.inviteTeamMember.id });
    expect((await invitee.client.gql(MY_INVITATIONS)).me.invitations).toEqual([]);
    expect(await invitee.client.code(ACCEPT_INVITATION, { id: sent.inviteTeamMember.id })).toBe(
      'CONFLICT',
    );
    expect(await membersOf(team.id)).toHaveLength(1);
  });

  it('cannot be accepted once expired', async () => {
    const owner = await aUser(t.url);
    const team = await aTeam(owner.client);
    const invitee = await aUser(t.url);
    const sent = await owner.client.gql(INVITE_MEMBER, {
      input: { teamId: team.id, email: invitee.user.email, role: 'MEMBER' },
    });
    const id = sent.inviteTeamMember.id;
    const [row] = await t.sql<{ days: number }>(
      `SELECT round(extract(epoch FROM expires_at - created_at) / 86400)::int AS days
         FROM team_invitations WHERE id = $1`,
      [id],
    );
    expect(row.days).toBe(7);
    await t.sql(
      `UPDATE team_invitations SET expires_at = now() - interval '1 second' WHERE id = $1`,
      [id],
    );
    expect((await invitee.client.gql(MY_INVITATIONS)).me.invitations).toEqual([]);
    expect(await invitee.client.code(ACCEPT_INVITATION, { id })).toBe('CONFLICT');
    expect(await membersOf(team.id)).toHaveLength(1);
    // A new invitation to the same address can be sent once the old one has expired.
    expect((await invite(owner.client, team.id, invitee.user.email)).errors).toBeUndefined();
  });

  it('end when their sender is removed', async () => {
    const owner = await aUser(t.url);
    const team = await aTeam(owner.client);
    const admin = await aUser(t.url);
    await addMember(owner.client, team.id, admin, 'ADMIN');
    const invitee = await aUser(t.url);
    const sent = await admin.client.gql(INVITE_MEMBER, {
      input: { teamId: team.id, email: invitee.user.email, role: 'ADMIN' },
    });
    await owner.client.gql(
      `mutation($t: ID!, $u: ID!) { removeTeamMember(teamId: $t, userId: $u) }`,
      { t: team.id, u: admin.user.id },
    );
    expect(await invitee.client.code(ACCEPT_INVITATION, { id: sent.inviteTeamMember.id })).toBe(
      'CONFLICT',
    );
  });

  it('accept and revoke at once: exactly one wins, and the rows agree', async () => {
    for (let round = 0; round < 6; round += 1) {
      const owner = await aUser(t.url);
      const team = await aTeam(owner.client);
      const invitee = await aUser(t.url);
      const sent = await owner.client.gql(INVITE_MEMBER, {
        input: { teamId: team.id, email: invitee.user.email, role: 'MEMBER' },
      });
      const id = sent.inviteTeamMember.id;
      const [accepted, revoked] = await Promise.all([
        invitee.client.request(ACCEPT_INVITATION, { id }),
        owner.client.request(REVOKE, { id }),
      ]);
      const acceptedOk = !accepted.errors;
      expect(acceptedOk).toBe(!!revoked.errors);
      const [state] = await t.sql<{ status: string }>(
        'SELECT status FROM team_invitations WHERE id = $1',
        [id],
      );
      const joined = (await membersOf(team.id)).some((row) => row.user_id === invitee.user.id);
      expect({ status: state.status, joined }).toEqual(
        acceptedOk ? { status: 'accepted', joined: true } : { status: 'revoked', joined: false },
      );
    }
  });
});

describe('the hourly limits', () => {
  it(`refuses a team's ${INVITATIONS_PER_TEAM_PER_HOUR + 1}st invitation of the hour, revoked ones counted`, async () => {
    const owner = await aUser(t.url);
    const team = await aTeam(owner.client);
    for (let index = 0; index < INVITATIONS_PER_TEAM_PER_HOUR; index += 1) {
      const answer = await owner.client.gql(INVITE_MEMBER, {
        input: { teamId: team.id, email: `bulk-${index}-${team.id}@example.test`, role: 'VIEWER' },
      });
      if (index % 2 === 0) await owner.client.gql(REVOKE, { id: answer.inviteTeamMember.id });
    }
    const refused = await invite(owner.client, team.id, `one-more-${team.id}@example.test`);
    expect(refused.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect(refused.errors?.[0]?.message).toMatch(/an hour/);
    const [{ n }] = await t.sql<{ n: number }>(
      'SELECT count(*)::int AS n FROM team_invitations WHERE team_id = $1',
      [team.id],
    );
    expect(n).toBe(INVITATIONS_PER_TEAM_PER_HOUR);
  });

  it('refuses one inviter spreading invitations over many teams', async () => {
    const owner = await aUser(t.url);
    const teams = [await aTeam(owner.client), await aTeam(owner.client), await aTeam(owner.client)];
    for (let index = 0; index < INVITATIONS_PER_INVITER_PER_HOUR; index += 1)
      await owner.client.gql(INVITE_MEMBER, {
        input: {
          teamId: teams[index % 3].id,
          email: `spread-${index}@example.test`,
          role: 'VIEWER',
        },
      });
    const refused = await invite(owner.client, teams[0].id, 'spread-last@example.test');
    expect(refused.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
  });
});

describe('leaving a team', () => {
  it('a member leaves; their team-limited and worker tokens there end with it', async () => {
    const owner = await aUser(t.url);
    const team = await aTeam(owner.client);
    const admin = await aUser(t.url);
    await addMember(owner.client, team.id, admin, 'ADMIN');
    const workerToken = await aWorkerToken(admin.client, team.id);
    expect(await admin.client.gql(LEAVE, { id: team.id })).toEqual({ leaveTeam: true });
    expect(await membersOf(team.id)).toEqual([{ user_id: owner.user.id, role: 'owner' }]);
    const [token] = await t.sql<{ revoked: boolean }>(
      'SELECT revoked_at IS NOT NULL AS revoked FROM api_tokens WHERE prefix = $1',
      [workerToken.slice(0, 9)],
    );
    expect(token.revoked).toBe(true);
    expect(await admin.client.code(MEMBERS, { id: team.id })).toBe('NOT_FOUND');
    expect(await admin.client.code(LEAVE, { id: team.id })).toBe('NOT_FOUND');
  });

  it('the last owner cannot leave; with a second owner they can', async () => {
    const owner = await aUser(t.url);
    const team = await aTeam(owner.client);
    const answer = await owner.client.request(LEAVE, { id: team.id });
    expect(answer.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect(answer.errors?.[0]?.message).toMatch(/last owner/);
    expect(await membersOf(team.id)).toHaveLength(1);
    const second = await aUser(t.url);
    await addMember(owner.client, team.id, second, 'OWNER');
    // Both owners leaving at once: the team keeps one.
    const both = await Promise.all([
      owner.client.request(LEAVE, { id: team.id }),
      second.client.request(LEAVE, { id: team.id }),
    ]);
    expect(both.filter((result) => !result.errors)).toHaveLength(1);
    expect((await membersOf(team.id)).map((row) => row.role)).toEqual(['owner']);
  });
});
