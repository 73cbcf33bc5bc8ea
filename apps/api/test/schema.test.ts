import { readFile } from 'node:fs/promises';
import { buildSchema, isNonNullType, type GraphQLObjectType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { printedSchema, SCHEMA_FILE } from '../src/graphql/print-schema.js';

describe('schema.graphql', () => {
  it('matches the schema the resolvers build (run `npm run schema:write -w @finetrack/api`)', async () => {
    expect(await printedSchema()).toBe(await readFile(SCHEMA_FILE, 'utf8'));
  });

  it('keeps the contract names the web app and scripts rely on', async () => {
    const schema = buildSchema(await readFile(SCHEMA_FILE, 'utf8'));
    // Type, field, the arguments callers send, the result. New arguments may only be optional.
    const contract: [string, string, Record<string, string>, string][] = [
      ['Mutation', 'signUp', { input: 'SignUpInput!' }, 'User!'],
      ['Mutation', 'logIn', { input: 'LogInInput!' }, 'User!'],
      ['Mutation', 'logOut', {}, 'Boolean!'],
      ['Query', 'me', {}, 'User!'],
      ['Mutation', 'createApiToken', { input: 'CreateApiTokenInput!' }, 'CreatedApiToken!'],
      ['Mutation', 'createTeam', { input: 'CreateTeamInput!' }, 'Team!'],
      ['Mutation', 'inviteTeamMember', { input: 'InviteTeamMemberInput!' }, 'Invitation!'],
      ['Mutation', 'acceptInvitation', { id: 'ID!' }, 'Membership!'],
      ['Mutation', 'leaveTeam', { teamId: 'ID!' }, 'Boolean!'],
      ['Mutation', 'createProject', { input: 'CreateProjectInput!' }, 'Project!'],
      ['Query', 'project', { id: 'ID!' }, 'Project!'],
      ['Query', 'experiment', { id: 'ID!' }, 'Experiment!'],
      ['Experiment', 'grid', { metric: 'String!', summary: 'GridSummary!' }, 'Grid!'],
    ];
    for (const [typeName, fieldName, args, result] of contract) {
      const field = (schema.getType(typeName) as GraphQLObjectType).getFields()[fieldName];
      expect(field, `${typeName}.${fieldName}`).toBeDefined();
      expect(String(field!.type)).toBe(result);
      for (const [name, type] of Object.entries(args))
        expect(String(field!.args.find((arg) => arg.name === name)?.type)).toBe(type);
      for (const arg of field!.args.filter((a) => !(a.name in args)))
        expect(
          isNonNullType(arg.type) && arg.defaultValue === undefined,
          `${typeName}.${fieldName}(${arg.name}) must be optional`,
        ).toBe(false);
    }
  });
});
