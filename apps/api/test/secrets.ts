import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { inject } from 'vitest';

/**
 * Every secret the tests make (passwords sent, tokens and session cookies received or sent, the
 * sha256 the API stores of each, password hashes and lease tokens left in the database) is
 * appended to a file per process; after the run, global-setup's teardown fails it if any of them
 * appears in a log line the API wrote.
 */
let file: string | undefined;
const seen = new Set<string>();

function secretsFile(): string | undefined {
  if (file) return file;
  let folder: string | undefined;
  try {
    folder = inject('logFolder');
  } catch {
    return undefined; // not under vitest's runner
  }
  if (!folder) return undefined;
  mkdirSync(folder, { recursive: true });
  file = path.join(folder, `secrets-${process.pid}.jsonl`);
  return file;
}

/** Records one secret (and, for tokens and session ids, the sha256 the API stores). */
export function recordSecret(kind: string, value: unknown, options: { hashed?: boolean } = {}) {
  if (typeof value !== 'string' || value.length < 8 || seen.has(value)) return;
  const target = secretsFile();
  if (!target) return;
  seen.add(value);
  appendFileSync(target, `${JSON.stringify({ kind, value })}\n`);
  if (options.hashed)
    recordSecret(`sha256 of ${kind}`, createHash('sha256').update(value).digest('hex'));
}

const SECRET_FIELDS: Record<string, { kind: string; hashed: boolean }> = {
  password: { kind: 'password', hashed: false },
  token: { kind: 'token', hashed: true },
  leaseToken: { kind: 'lease token', hashed: false },
};

/** Walks JSON for fields named like secrets. */
function collect(value: unknown, depth = 0): void {
  if (depth > 12 || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    // Metric batches can be long and hold no secrets.
    for (const item of value.slice(0, 50)) collect(item, depth + 1);
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    const field = SECRET_FIELDS[key];
    if (field) recordSecret(field.kind, item, { hashed: field.hashed });
    else collect(item, depth + 1);
  }
}

function fromHeaders(headers: Headers) {
  const authorization = headers.get('authorization');
  const bearer = authorization && /^Bearer\s+(\S+)$/i.exec(authorization);
  if (bearer) recordSecret('token', bearer[1], { hashed: true });
  for (const pair of (headers.get('cookie') ?? '').split(';')) {
    const [name, value] = pair.trim().split('=');
    if (name === 'finetrack_session') recordSecret('session cookie', value, { hashed: true });
  }
}

/** Wraps fetch so every request to and answer from the API gives up its secrets. */
export function recordSecretsSeenByFetch(): void {
  if (!secretsFile()) return;
  const original = globalThis.fetch;
  globalThis.fetch = async (input, init) => {
    try {
      // Headers only: building a Request from a streamed body would lock the stream.
      fromHeaders(
        new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined)),
      );
      if (typeof init?.body === 'string' && init.body.length < 1_000_000)
        collect(JSON.parse(init.body));
    } catch {
      // Not JSON, or a request the tests build to be broken: nothing to record.
    }
    const response = await original(input, init);
    try {
      for (const line of response.headers.getSetCookie()) {
        const [pair] = line.split(';');
        const [name, value] = pair.split('=');
        if (name === 'finetrack_session') recordSecret('session cookie', value, { hashed: true });
      }
      if (response.headers.get('content-type')?.includes('json'))
        collect(await response.clone().json());
    } catch {
      // An answer that is not JSON.
    }
    return response;
  };
}
