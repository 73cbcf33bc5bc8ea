import { mkdir, readFile, stat, writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';

/** File every worker process of a work folder rewrites while it is alive. */
export const HEARTBEAT_FILE = 'heartbeat.json';

export interface HeartbeatRecord {
  pid: number;
  workerId: string;
  state: 'starting' | 'idle' | 'running' | 'stopping';
  runId: string | null;
  /** ISO time of the write. */
  at: string;
}

/** Writes the heartbeat file atomically (a reader never sees half of it). */
export async function writeHeartbeat(workDir: string, record: HeartbeatRecord): Promise<void> {
  await mkdir(workDir, { recursive: true });
  const file = join(workDir, HEARTBEAT_FILE);
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(record)}\n`);
  await rename(temporary, file);
}

/**
 * The `healthcheck` verdict: healthy when some worker process of `workDir` wrote its heartbeat
 * within `maxAgeMs`. Returns a line for the log either way.
 */
export async function checkHealth(
  workDir: string,
  maxAgeMs: number,
  now: number = Date.now(),
): Promise<{ healthy: boolean; message: string }> {
  const file = join(workDir, HEARTBEAT_FILE);
  try {
    const { mtimeMs } = await stat(file);
    const age = now - mtimeMs;
    let detail = '';
    try {
      const record = JSON.parse(await readFile(file, 'utf8')) as HeartbeatRecord;
      detail = ` (pid ${record.pid}, ${record.state}${record.runId ? ` run ${record.runId}` : ''})`;
    } catch {
      // being replaced right now; the age alone decides
    }
    const seconds = (age / 1000).toFixed(1);
    return age <= maxAgeMs
      ? { healthy: true, message: `healthy: heartbeat ${seconds} s ago${detail}` }
      : { healthy: false, message: `unhealthy: last heartbeat ${seconds} s ago${detail}` };
  } catch {
    return { healthy: false, message: `unhealthy: no heartbeat in ${file}` };
  }
}
