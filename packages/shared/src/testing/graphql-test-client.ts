import type { GraphQLDocument } from '../worker-operations.js';

/** Response data as tests read it: shapes are asserted, not typed. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Loose = Record<string, any>;

/** What a GraphQL response looks like to a test. */
export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string; [key: string]: unknown } }[];
  headers: Headers;
}

const SESSION_COOKIE = 'finetrack_session';

/**
 * A browser (session cookie jar) or a script (Bearer token) talking to the API over real HTTP:
 * the one GraphQL client of the API's, the web's and the trainer's tests.
 */
export class GraphQLTestClient {
  cookie: string | undefined;

  constructor(
    readonly baseUrl: string,
    public token?: string,
  ) {}

  withToken(token: string): GraphQLTestClient {
    return new GraphQLTestClient(this.baseUrl, token);
  }

  async request<T = Record<string, unknown>>(
    query: GraphQLDocument,
    variables?: Record<string, unknown>,
    init: { headers?: Record<string, string>; body?: string } = {},
  ): Promise<GraphQLResponse<T>> {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...init.headers };
    if (this.cookie) headers.cookie = this.cookie;
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    const response = await fetch(`${this.baseUrl}/graphql`, {
      method: 'POST',
      headers,
      body: init.body ?? JSON.stringify({ query: String(query), variables }),
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const [name, value] = pair.split('=');
      if (name === SESSION_COOKIE) this.cookie = value ? `${name}=${value}` : undefined;
    }
    const body = (await response.json()) as { data?: T; errors?: GraphQLResponse['errors'] };
    return {
      status: response.status,
      data: body.data,
      errors: body.errors,
      headers: response.headers,
    };
  }

  /** Like request, but throws unless the operation succeeded. */
  async gql<T = Loose>(query: GraphQLDocument, variables?: Record<string, unknown>): Promise<T> {
    const response = await this.request<T>(query, variables);
    if (response.errors?.length || !response.data)
      throw new Error(`GraphQL failed: ${JSON.stringify(response.errors)}`);
    return response.data;
  }

  /** The first error's extensions.code (undefined when the call succeeded). */
  async code(
    query: GraphQLDocument,
    variables?: Record<string, unknown>,
  ): Promise<string | undefined> {
    const response = await this.request(query, variables);
    return response.errors?.[0]?.extensions?.code;
  }
}
