import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/** Secrets shorter than this are not recorded (see secrets.ts). */
const PREFIX = 8;

export interface LogReport {
  lines: number;
  secrets: number;
  /** "kind in file:line: …excerpt…" for every hit. */
  leaks: string[];
}

/**
 * Searches every `api-*.log` in `folder` for every secret listed in its `secrets-*.jsonl` files
 * (only one process's files when `pid` is given).
 * Plain substring search: a secret is long and random (or a hash), so any hit is a leak.
 */
export async function findSecretsInLogs(folder: string, pid?: number): Promise<LogReport> {
  const names = (await readdir(folder)).filter(
    (name) => pid === undefined || name.endsWith(`-${pid}.log`) || name.endsWith(`-${pid}.jsonl`),
  );
  const secrets = new Map<string, string>();
  for (const name of names.filter((n) => n.startsWith('secrets-')))
    for (const line of (await readFile(path.join(folder, name), 'utf8')).split('\n'))
      if (line) {
        const { kind, value } = JSON.parse(line) as { kind: string; value: string };
        secrets.set(value, kind);
      }
  // Indexed by their first 8 characters, so each line is scanned once whatever the number of
  // secrets (thousands of session ids × tens of thousands of lines).
  const byPrefix = new Map<string, string[]>();
  for (const value of secrets.keys()) {
    const prefix = value.slice(0, PREFIX);
    byPrefix.set(prefix, [...(byPrefix.get(prefix) ?? []), value]);
  }
  const report: LogReport = { lines: 0, secrets: secrets.size, leaks: [] };
  for (const name of names.filter((n) => n.startsWith('api-'))) {
    const lines = (await readFile(path.join(folder, name), 'utf8')).split('\n');
    lines.forEach((line, index) => {
      if (!line) return;
      report.lines += 1;
      for (let at = 0; at + PREFIX <= line.length; at++) {
        const candidates = byPrefix.get(line.slice(at, at + PREFIX));
        if (!candidates) continue;
        for (const value of candidates)
          if (line.startsWith(value, at))
            report.leaks.push(
              `${secrets.get(value)} in ${name}:${index + 1}: …${line.slice(Math.max(0, at - 80), at + value.length + 20)}…`,
            );
      }
    });
  }
  return report;
}
