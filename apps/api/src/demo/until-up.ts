import type { DataSource } from 'typeorm';

/** What `npm start` runs besides the API, each checked from the API's side. */
export interface StartedParts {
  /** The web app answers HTTP at this address. */
  webUrl: string;
  /** The local worker has used this token (its instance token) since the API started. */
  workerTokenHash: string;
  since: Date;
}

const POLL_MS = 500;

async function webAnswers(webUrl: string): Promise<boolean> {
  try {
    const response = await fetch(webUrl, { redirect: 'manual', signal: AbortSignal.timeout(2000) });
    await response.body?.cancel();
    return true;
  } catch {
    return false;
  }
}

async function workerConnected(dataSource: DataSource, parts: StartedParts): Promise<boolean> {
  const rows: unknown[] = await dataSource.query(
    `SELECT 1 FROM api_tokens WHERE token_hash = $1 AND last_used_at >= $2`,
    [parts.workerTokenHash, parts.since],
  );
  return rows.length > 0;
}

/**
 * Waits until the web app answers and the local worker has made its first call, so that the
 * demo banner can be the last thing `npm start` prints; gives up after `timeoutMs`. Returns the
 * parts still not up (empty when everything is).
 */
export async function untilUp(
  dataSource: DataSource,
  parts: StartedParts,
  timeoutMs: number,
): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const missing: string[] = [];
    if (!(await webAnswers(parts.webUrl))) missing.push(`the web app at ${parts.webUrl}`);
    if (!(await workerConnected(dataSource, parts))) missing.push('the local worker');
    if (missing.length === 0 || Date.now() >= deadline) return missing;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
