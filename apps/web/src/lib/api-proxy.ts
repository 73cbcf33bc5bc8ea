import { DEFAULT_BODY_LIMIT_BYTES } from '@finetrack/shared';

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
    if (!read)
      return errorResponse(413, `the request body is larger than ${limit} bytes`, 'BAD_USER_INPUT');
    body = read;
  }
  const incoming = new URL(request.url);
  const target = `${apiBaseUrl()}${path}${incoming.search}`;
  const headers = new Headers();
  request.headers.forEach((value, key) => {
    if (!HOP_BY_HOP.has(key.toLowerCase())) headers.set(key, value);
  });
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
    return errorResponse(502, 'The API could not be reached', 'INTERNAL_SERVER_ERROR');
  }
  const responseHeaders = new Headers();
  upstream.headers.forEach((value, key) => {
    if (!DROP_FROM_RESPONSE.has(key.toLowerCase())) responseHeaders.set(key, value);
  });
  for (const cookie of upstream.headers.getSetCookie())
    responseHeaders.append('set-cookie', cookie);
  return new Response(upstream.body, { status: upstream.status, headers: responseHeaders });
}
