import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { printedSchema, SCHEMA_FILE } from '../src/graphql/print-schema.js';

describe('schema.graphql', () => {
  it('matches the schema the resolvers build (run `npm run schema:write -w @finetrack/api`)', async () => {
    expect(await printedSchema()).toBe(await readFile(SCHEMA_FILE, 'utf8'));
  });

  it('keeps the contract names the web app and scripts rely on', async () => {
    const schema = await readFile(SCHEMA_FILE, 'utf8');
    for (const line of [
      'signUp(input: SignUpInput!): User!',
      'logIn(input: LogInInput!): User!',
      'logOut: Boolean!',
      'me: User!',
      'createApiToken(input: CreateApiTokenInput!): CreatedApiToken!',
      'createTeam(input: CreateTeamInput!): Team!',
      'inviteTeamMember(input: InviteTeamMemberInput!): Invitation!',
      'acceptInvitation(id: ID!): Membership!',
      'leaveTeam(teamId: ID!): Boolean!',
      'createProject(input: CreateProjectInput!): Project!',
      'project(id: ID!): Project!',
      'experiment(id: ID!): Experiment!',
      'grid(metric: String!, summary: GridSummary!): Grid!',
    ])
      expect(schema).toContain(line);
  });
});
