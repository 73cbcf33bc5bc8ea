import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode, main, type CliIo } from './main.js';

// The command against the real API is tested in apps/api/test/scripts; these cover what a live
// API cannot easily be made to do: fail halfway through a file.

type Answer = { status?: number; body: unknown };

describe('finetrack log, failing halfway', () => {
  let server: Server;
  let url: string;
  let answers: Answer[] = [];
  const operations: string[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const { query } = JSON.parse(Buffer.concat(chunks).toString()) as { query: string };
        operations.push(/^\s*(query|mutation) (\w+)/.exec(query)?.[2] ?? '?');
        const answer = answers.shift() ?? { status: 500, body: {} };
        response
          .writeHead(answer.status ?? 200, { 'content-type': 'application/json' })
          .end(JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  async function run(argv: string[], stdin = '') {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = {
      env: { FINETRACK_API: url, FINETRACK_TOKEN: 'ft_test', FINETRACK_CONFIG_DIR: '/nonexistent' },
      stdout: (text) => out.push(text),
      stderr: (text) => err.push(text),
      readStdin: async () => stdin,
    };
    const code = await main(argv, io);
    return { code, stdout: out.join(''), stderr: err.join('') };
  }

  const lines = Array.from({ length: 5 }, (_, step) => JSON.stringify({ step, loss: 1 })).join(
    '\n',
  );
  const theRun = { data: { run: { id: 'r1' } } };
  const written = (n: number) => ({ data: { logMetrics: { runId: 'r1', written: n } } });
  const refused = (code: string) => ({
    body: { errors: [{ message: 'refused', extensions: { code } }] },
  });

  it('says how much was written and that rerunning is safe, with the refusal’s exit code', async () => {
    answers = [{ body: theRun }, { body: written(2) }, refused('BAD_USER_INPUT')];
    const result = await run(['log', '--run', 'r1', '--file', '-', '--batch-size', '2'], lines);
    expect(operations.slice(-3)).toEqual(['Run', 'LogMetrics', 'LogMetrics']);
    expect(result.code).toBe(ExitCode.Usage);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('2 of 5 points were written before this failure');
    expect(result.stderr).toContain('running the same command again is safe');
  });

  it('a token revoked between calls exits 3', async () => {
    answers = [{ body: theRun }, { body: written(2) }, refused('UNAUTHENTICATED')];
    const result = await run(['log', '--run', 'r1', '--file', '-', '--batch-size', '2'], lines);
    expect(result.code).toBe(ExitCode.Auth);
    expect(result.stderr).toContain('2 of 5 points were written');
  });

  it('a refusal of the first call says nothing about partial writes', async () => {
    answers = [{ body: theRun }, refused('NOT_FOUND')];
    const result = await run(['log', '--run', 'r1', '--step', '1', 'loss=1']);
    expect(result.code).toBe(ExitCode.NotFound);
    expect(result.stderr).toBe('finetrack: refused (NOT_FOUND)\n');
  });
});
