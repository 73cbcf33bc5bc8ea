import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { ErrorCode } from '../error-codes.js';
import type { TypedDocumentString } from '../gql/graphql.js';
import { ARTIFACT_PATH_PREFIX, type ArtifactUploadResult } from '../worker-protocol.js';
import { ApiError, ClientErrorCode, type GraphQLErrorEntry } from './api-error.js';
import { DEFAULT_RETRY_POLICY, isRetryable, withRetry, type RetryPolicy } from './retry.js';

export interface ApiClientOptions {
  /** Base URL of the API, e.g. `http://127.0.0.1:4000` (a trailing `/graphql` is accepted). */
  url: string;
  /** API token sent as `Authorization: Bearer <token>`; omit for anonymous calls. */
  token?: string;
  /** Per-try timeout for GraphQL requests (default 30 s). */
  timeoutMs?: number;
  /** Per-try timeout for artifact transfers, reset by nothing: size it for the largest file (default 10 min). */
  transferTimeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Called before each retry wait. */
  onRetry?: (error: ApiError, retry: number, delayMs: number) => void;
  /** Sent as `user-agent`. */
  userAgent?: string;
}

/** Options of one call; they override the client's. */
export interface RequestOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
}

/** Size and sha256 (lower-case hex) of a file, read as a stream. */
export async function hashFile(path: string): Promise<{ byteSize: number; sha256: string }> {
  const hash = createHash('sha256');
  let byteSize = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    byteSize += chunk.length;
  }
  return { byteSize, sha256: hash.digest('hex') };
}

/** A pass-through stream that hashes and counts what flows through it. */
function hashingStream(): Transform & { digest(): { byteSize: number; sha256: string } } {
  const hash = createHash('sha256');
  let byteSize = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      byteSize += chunk.length;
      callback(null, chunk);
    },
  });
  return Object.assign(stream, { digest: () => ({ byteSize, sha256: hash.digest('hex') }) });
}

/**
 * The server's hint of when to try again: the Retry-After header, else a GraphQL error's
 * `retryAfterSeconds` extension (RATE_LIMITED answers carry one; their HTTP status stays 200).
 */
function retryAfterSeconds(response: Response, error?: GraphQLErrorEntry): number | undefined {
  const header = response.headers.get('retry-after');
  const seconds = header !== null ? Number(header) : error?.extensions?.retryAfterSeconds;
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0
    ? seconds
    : undefined;
}

const STATUS_CODES: Record<number, string> = {
  400: ErrorCode.BadUserInput,
  401: ErrorCode.Unauthenticated,
  403: ErrorCode.Forbidden,
  404: ErrorCode.NotFound,
  409: ErrorCode.Conflict,
  413: ErrorCode.BadUserInput,
  429: ErrorCode.RateLimited,
};

/**
 * GraphQL over HTTP for Node (global fetch) plus the artifact endpoints. Every call retries
 * network failures, timeouts, 502/503/504 and RATE_LIMITED with exponential back-off and full
 * jitter; other errors are thrown at once as ApiError with the server's `extensions.code`.
 *
 * Retrying a mutation whose answer was lost sends it twice: the worker protocol makes every
 * worker mutation idempotent for that reason.
 */
export class ApiClient {
  readonly baseUrl: string;
  private token: string | undefined;
  private readonly timeoutMs: number;
  private readonly transferTimeoutMs: number;
  private readonly retryPolicy: RetryPolicy;

  constructor(private readonly options: ApiClientOptions) {
    this.baseUrl = options.url.replace(/\/+$/, '').replace(/\/graphql$/, '');
    this.token = options.token;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.transferTimeoutMs = options.transferTimeoutMs ?? 10 * 60_000;
    this.retryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  }

  get graphqlUrl(): string {
    return `${this.baseUrl}/graphql`;
  }

  /** Replaces the token (e.g. read again from a token file). */
  setToken(token: string | undefined): void {
    this.token = token;
  }

  /**
   * A GET of `path` under the API with this client's token, answered as a raw Response for the
   * caller to stream and check (the worker's dataset cache verifies size and sha256 itself).
   */
  openDownload(path: string, signal?: AbortSignal): Promise<Response> {
    return fetch(`${this.baseUrl}${path}`, { headers: this.headers(), signal });
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    const headers: Record<string, string> = { ...extra };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (this.options.userAgent) headers['user-agent'] = this.options.userAgent;
    return headers;
  }

  private policy(options: RequestOptions): RetryPolicy {
    return { ...this.retryPolicy, ...options.retry };
  }

  /** Runs one fetch with a timeout; network failures and timeouts become ApiErrors. */
  private async send(url: string, init: RequestInit, timeoutMs: number, signal?: AbortSignal) {
    const timeout = AbortSignal.timeout(timeoutMs);
    const combined = signal ? AbortSignal.any([timeout, signal]) : timeout;
    try {
      return await fetch(url, { ...init, signal: combined });
    } catch (error) {
      throw this.transportError(error, timeout, signal);
    }
  }

  private transportError(error: unknown, timeout: AbortSignal, signal?: AbortSignal): ApiError {
    if (error instanceof ApiError) return error;
    if (signal?.aborted)
      return new ApiError(ClientErrorCode.Aborted, 'the request was aborted', { cause: error });
    if (timeout.aborted)
      return new ApiError(ClientErrorCode.Timeout, 'the API did not answer in time', {
        retryable: true,
        cause: error,
      });
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const detail = cause?.code ?? cause?.message ?? (error as Error).message;
    return new ApiError(ClientErrorCode.Network, `cannot reach the API (${detail})`, {
      retryable: true,
      cause: error,
    });
  }

  /** An HTTP answer that is not a success, read as a GraphQL-shaped error when it is one. */
  private async httpError(response: Response, what: string): Promise<ApiError> {
    let errors: GraphQLErrorEntry[] | undefined;
    try {
      const body = (await response.json()) as { errors?: GraphQLErrorEntry[] };
      if (Array.isArray(body?.errors) && body.errors.length > 0) errors = body.errors;
    } catch {
      // not JSON: a proxy's page or an empty body
    }
    const code =
      errors?.[0]?.extensions?.code ??
      STATUS_CODES[response.status] ??
      (response.status >= 500 ? ErrorCode.InternalServerError : ClientErrorCode.BadResponse);
    const message = errors?.[0]?.message ?? `${what} answered HTTP ${response.status}`;
    return new ApiError(code, message, {
      status: response.status,
      errors,
      retryable: isRetryable(code, response.status),
      retryAfterSeconds: retryAfterSeconds(response),
    });
  }

  /**
   * POSTs a multipart form to `path` (e.g. `/models/import?…`) once and returns its JSON answer.
   * Not retried: an import that reached the server may have been stored.
   */
  async postForm<TResult>(
    path: string,
    form: FormData,
    options: RequestOptions = {},
  ): Promise<TResult> {
    const response = await this.send(
      `${this.baseUrl}${path}`,
      { method: 'POST', headers: this.headers(), body: form },
      options.timeoutMs ?? this.transferTimeoutMs,
      options.signal,
    );
    if (!response.ok) throw await this.httpError(response, `POST ${path.split('?')[0]}`);
    return (await response.json()) as TResult;
  }

  /**
   * Sends one GraphQL operation and returns its `data`. Throws ApiError when the answer has
   * errors (with `details.data` holding any partial data) or never came. A generated document
   * types the variables and the result; a plain string leaves them to the caller.
   */
  async request<TResult, TVariables extends object = Record<string, never>>(
    document: string | TypedDocumentString<TResult, TVariables>,
    variables?: TVariables,
    options: RequestOptions = {},
  ): Promise<TResult> {
    const body = JSON.stringify({ query: String(document), variables: variables ?? {} });
    return withRetry(
      async () => {
        const response = await this.send(
          this.graphqlUrl,
          {
            method: 'POST',
            headers: this.headers({
              'content-type': 'application/json',
              accept: 'application/graphql-response+json, application/json',
            }),
            body,
          },
          options.timeoutMs ?? this.timeoutMs,
          options.signal,
        );
        let payload: { data?: TResult | null; errors?: GraphQLErrorEntry[] };
        try {
          payload = (await response.json()) as typeof payload;
        } catch (error) {
          const code = response.ok ? ClientErrorCode.BadResponse : ErrorCode.InternalServerError;
          throw new ApiError(code, `the API answered HTTP ${response.status} without JSON`, {
            status: response.status,
            retryable: isRetryable(code, response.status),
            retryAfterSeconds: retryAfterSeconds(response),
            cause: error,
          });
        }
        if (Array.isArray(payload?.errors) && payload.errors.length > 0) {
          const first = payload.errors[0];
          const code =
            first.extensions?.code ??
            STATUS_CODES[response.status] ??
            (response.status >= 500 ? ErrorCode.InternalServerError : ErrorCode.BadUserInput);
          throw new ApiError(code, first.message, {
            status: response.status,
            errors: payload.errors,
            data: payload.data,
            retryable: isRetryable(code, response.status),
            retryAfterSeconds: retryAfterSeconds(response, first),
          });
        }
        if (!response.ok || payload?.data === undefined || payload.data === null)
          throw new ApiError(
            response.ok ? ClientErrorCode.BadResponse : ErrorCode.InternalServerError,
            `the API answered HTTP ${response.status} without data`,
            {
              status: response.status,
              retryable: isRetryable(ClientErrorCode.BadResponse, response.status),
            },
          );
        return payload.data;
      },
      this.policy(options),
      { signal: options.signal, onRetry: this.options.onRetry },
    );
  }

  /**
   * `PUT /artifacts/:id` with the file's bytes, streamed. `expected` is what `createArtifact`
   * announced; the file is hashed while it is sent and a file that changed meanwhile fails.
   */
  async uploadArtifact(
    id: string,
    path: string,
    expected: { byteSize: number; sha256: string },
    options: RequestOptions = {},
  ): Promise<ArtifactUploadResult> {
    const url = `${this.baseUrl}${ARTIFACT_PATH_PREFIX}${encodeURIComponent(id)}`;
    return withRetry(
      async () => {
        const { size } = await stat(path);
        if (size !== expected.byteSize)
          throw new ApiError(
            ClientErrorCode.ChecksumMismatch,
            `${path} has ${size} bytes, ${expected.byteSize} were announced`,
          );
        const hashing = hashingStream();
        const source = createReadStream(path).pipe(hashing);
        const response = await this.send(
          url,
          {
            method: 'PUT',
            headers: this.headers({
              'content-type': 'application/octet-stream',
              'content-length': String(size),
            }),
            body: Readable.toWeb(source) as unknown as ReadableStream<Uint8Array>,
            duplex: 'half',
          } as RequestInit,
          options.timeoutMs ?? this.transferTimeoutMs,
          options.signal,
        );
        if (!response.ok) throw await this.httpError(response, `PUT ${ARTIFACT_PATH_PREFIX}${id}`);
        const sent = hashing.digest();
        if (sent.sha256 !== expected.sha256)
          throw new ApiError(
            ClientErrorCode.ChecksumMismatch,
            `${path} changed while it was uploaded (sha256 ${sent.sha256})`,
          );
        return (await response.json()) as ArtifactUploadResult;
      },
      this.policy(options),
      { signal: options.signal, onRetry: this.options.onRetry },
    );
  }

  /**
   * `GET /artifacts/:id` streamed to `destination` (through `<destination>.part`, renamed only
   * when complete). Checks the size and sha256 against `expected`, else against the ETag.
   */
  async downloadArtifact(
    id: string,
    destination: string,
    expected?: { byteSize?: number; sha256?: string },
    options: RequestOptions = {},
  ): Promise<{ byteSize: number; sha256: string }> {
    const url = `${this.baseUrl}${ARTIFACT_PATH_PREFIX}${encodeURIComponent(id)}`;
    await mkdir(dirname(destination), { recursive: true });
    const partial = `${destination}.part`;
    return withRetry(
      async () => {
        const timeout = AbortSignal.timeout(options.timeoutMs ?? this.transferTimeoutMs);
        const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
        let response: Response;
        try {
          response = await fetch(url, { headers: this.headers(), signal });
        } catch (error) {
          throw this.transportError(error, timeout, options.signal);
        }
        if (!response.ok || response.body === null)
          throw await this.httpError(response, `GET ${ARTIFACT_PATH_PREFIX}${id}`);
        const etag = response.headers.get('etag')?.replace(/^W\//, '').replace(/"/g, '');
        const hashing = hashingStream();
        try {
          await pipeline(
            Readable.fromWeb(response.body as unknown as WebReadableStream<Uint8Array>),
            hashing,
            createWriteStream(partial),
          );
        } catch (error) {
          await rm(partial, { force: true });
          throw this.transportError(error, timeout, options.signal);
        }
        const got = hashing.digest();
        const wantSha = expected?.sha256 ?? etag;
        const wantSize = expected?.byteSize;
        if (
          (wantSha && got.sha256 !== wantSha) ||
          (wantSize !== undefined && got.byteSize !== wantSize)
        ) {
          await rm(partial, { force: true });
          // A truncated body from a dying connection is worth another try; a wrong file is not.
          const truncated = wantSize !== undefined && got.byteSize < wantSize;
          throw new ApiError(
            truncated ? ClientErrorCode.Network : ClientErrorCode.ChecksumMismatch,
            `artifact ${id}: got ${got.byteSize} bytes with sha256 ${got.sha256}, expected ${
              wantSize ?? '?'
            } bytes with sha256 ${wantSha ?? '?'}`,
            { retryable: truncated },
          );
        }
        await rename(partial, destination);
        return got;
      },
      this.policy(options),
      { signal: options.signal, onRetry: this.options.onRetry },
    );
  }
}
