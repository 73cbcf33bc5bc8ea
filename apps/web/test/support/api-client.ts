/** A minimal GraphQL client for seeding: JSON POSTs with a session cookie or a bearer token. */
export class ApiClient {
  private cookie: string | undefined;

  constructor(
    private readonly url: string,
    private readonly token?: string,
  ) {}

  async request<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.cookie) headers.cookie = this.cookie;
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    const response = await fetch(`${this.url}/graphql`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query, variables }),
    });
    const cookies = response.headers.getSetCookie().map((cookie) => cookie.split(';')[0]);
    if (cookies.length > 0) this.cookie = cookies.join('; ');
    const body = (await response.json()) as {
      data?: T;
      errors?: { message: string; extensions?: { code?: string } }[];
    };
    if (body.errors?.length)
      throw new Error(
        `GraphQL: ${body.errors.map((e) => `${e.extensions?.code}: ${e.message}`).join('; ')}`,
      );
    return body.data as T;
  }

  async signUp(email: string, password: string, name: string): Promise<string> {
    const data = await this.request<{ signUp: { id: string } }>(
      'mutation($input: SignUpInput!) { signUp(input: $input) { id } }',
      { input: { email, password, name } },
    );
    return data.signUp.id;
  }

  async logIn(email: string, password: string): Promise<void> {
    await this.request('mutation($input: LogInInput!) { logIn(input: $input) { id } }', {
      input: { email, password },
    });
  }
}
