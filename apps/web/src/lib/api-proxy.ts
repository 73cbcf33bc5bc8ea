import { DEFAULT_BODY_LIMIT_BYTES, DEFAULT_DATASET_ARCHIVE_LIMITS } from '@finetrack/shared';

// Forwards a browser request to the API so the browser only ever talks to this origin (the API's
// session cookie stays first-party). Read at request time, so API_URL can change without a rebuild.

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'host',
  'content-length',
  'transfer-encoding',
  'upgrade',
  'accept-encoding',
  'te',
  'trailer',
]);
// fetch has already decoded the body, so its length and encoding no longer apply.
const DROP_FROM_RESPONSE = new Set([
  'content-encoding',
  'content-length',
  'transfer-encoding',
  'connection',
  'set-cookie',
]);

export function apiBaseUrl(): string {
  return (process.env.API_URL ?? 'http://127.0.0.1:4000').replace(/\/$/, '');
}

/** The API's own body limit (same variable, same default): a larger body is refused here. */
function bodyLimitBytes(): number {
  const value = Number(process.env.BODY_LIMIT_BYTES);
  return Number.isSafeInteger(value) && value > 0 ? value : DEFAULT_BODY_LIMIT_BYTES;
}

/**
 * The API's largest dataset archive (same variable, same default): no one upload request through
 * this proxy may carry more.
 */
export function archiveLimitBytes(): number {
  const value = Number(process.env.DATASET_MAX_ARCHIVE_BYTES);
  return Number.isSafeInteger(value) && value > 0
    ? value
    : DEFAULT_DATASET_ARCHIVE_LIMITS.maxArchiveBytes;
}

const errorResponse = (status: number, message: string, code: string) =>
  Response.json({ errors: [{ message, extensions: { code } }] }, { status });

/**
 * The request body, read chunk by chunk and given up as soon as it passes `limit` bytes (or
 * when Content-Length already says it will), so an anonymous caller cannot make this process
 * hold more than the limit. Null: too large.
 */
async function readBodyWithin(request: Request, limit: number): Promise<ArrayBuffer | null> {
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) {
    await request.body?.cancel().catch(() => undefined);
    return null;
  }
  if (!request.body) return new ArrayBuffer(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body.buffer;
}

/**
 * `stream`: pass the body through as it arrives, unbuffered and without this proxy's limit, for
 * routes that stream uploads themselves under their own limits (a model import).
 */
export async function proxyToApi(
  request: Request,
  path: string,
  options: { stream?: boolean } = {},
): Promise<Response> {
  let body: ArrayBuffer | ReadableStream<Uint8Array> | undefined;
  if (options.stream && request.body) {
    body = request.body;
  } else if (request.method !== 'GET' && request.method !== 'HEAD') {
    const limit = bodyLimitBytes();
    const read = await readBodyWithin(request, limit);
    if (!read) return tooLarge(limit);
    body = read;
  }
  return forward(request, path, body);
}

const unreachable = () =>
  errorResponse(502, 'The API could not be reached', 'INTERNAL_SERVER_ERROR');

const tooLarge = (limit: number) =>
  errorResponse(413, `the request body is larger than ${limit} bytes`, 'BAD_USER_INPUT');

/**
 * Forwards a request whose body may be far larger than anything worth holding (a dataset archive's
 * upload chunks): the body is streamed through as it arrives, never buffered, and cut off with an
 * error once it passes `limit` bytes, or refused before a byte moves when Content-Length says so.
 */
export async function streamToApi(
  request: Request,
  path: string,
  limit: number,
): Promise<Response> {
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) {
    await request.body?.cancel().catch(() => undefined);
    return tooLarge(limit);
  }
  let body: ReadableStream<Uint8Array> | undefined;
  let exceeded = false;
  if (request.body && request.method !== 'GET' && request.method !== 'HEAD') {
    let total = 0;
    body = request.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          total += chunk.byteLength;
          exceeded ||= total > limit;
          if (exceeded) controller.error(new Error(`the body passed ${limit} bytes`));
          else controller.enqueue(chunk);
        },
      }),
    );
  }
  // A resumable upload's server needs the chunk's length (it is checked against the offsets), and
  // the body cannot outgrow it unnoticed: the count above cuts off at the limit either way.
  const length = request.headers.get('content-length');
  return forward(request, path, body, length ? { 'content-length': length } : {}, () =>
    exceeded ? tooLarge(limit) : unreachable(),
  );
}

async function forward(
  request: Request,
  path: string,
  body: BodyInit | undefined,
  extraHeaders: Record<string, string> = {},
  failed: () => Response = unreachable,
): Promise<Response> {
  const incoming = new URL(request.url);
  const target = `${apiBaseUrl()}${path}${incoming.search}`;
  const headers = new Headers();
  request.headers.forEach((value, key) => {
    if (!HOP_BY_HOP.has(key.toLowerCase())) headers.set(key, value);
  });
  for (const [key, value] of Object.entries(extraHeaders)) headers.set(key, value);
  let upstream: Response;
  try {
    upstream = await fetch(target, {
      method: request.method,
      headers,
      body,
      redirect: 'manual',
      cache: 'no-store',
      // Needed by Node's fetch to send a streamed body.
      ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
    } as RequestInit);
  } catch {
    return failed();
  }
  const responseHeaders = new Headers();
  upstream.headers.forEach((value, key) => {
    if (!DROP_FROM_RESPONSE.has(key.toLowerCase())) responseHeaders.set(key, value);
  });
  for (const cookie of upstream.headers.getSetCookie())
    responseHeaders.append('set-cookie', cookie);
  // The API names resources (a new upload's URL) by its own address, which the browser cannot
  // reach: they are renamed to this origin, where this proxy answers for them.
  const location = upstream.headers.get('location');
  if (location?.startsWith(apiBaseUrl()))
    responseHeaders.set('location', `${incoming.origin}${location.slice(apiBaseUrl().length)}`);
  // A HEAD or 204 answer has no body, and a Response refuses one for those statuses.
  const empty = request.method === 'HEAD' || [204, 304].includes(upstream.status);
  return new Response(empty ? null : upstream.body, {
    status: upstream.status,
    headers: responseHeaders,
  });
}
