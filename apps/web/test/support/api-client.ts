import { GraphQLTestClient } from '@finetrack/shared/testing';

/** The workspace's GraphQL test client, with the two session calls the browser tests seed with. */
export class ApiClient extends GraphQLTestClient {
  async signUp(email: string, password: string, name: string): Promise<string> {
    const data = await this.gql<{ signUp: { id: string } }>(
      'mutation($input: SignUpInput!) { signUp(input: $input) { id } }',
      { input: { email, password, name } },
    );
    return data.signUp.id;
  }

  async logIn(email: string, password: string): Promise<void> {
    await this.gql('mutation($input: LogInInput!) { logIn(input: $input) { id } }', {
      input: { email, password },
    });
  }
}
