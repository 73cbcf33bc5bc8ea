import { ApiClient, ApiError } from '@finetrack/shared/client';
import { graphql, seed, sleep, startApi, startStack } from '../stack.js';
import { Tally, type Fault } from './fault.js';

// PostgreSQL stopped (fast shutdown: every session cut) — or killed with kill -9, so that it
// recovers from its WAL — for a few seconds during ingest, then started again on the same port. Writers use the shared client and its retry policy; a probe
// records what the API answers while the database is away. Afterwards: the API process is still
// up, answers again without a restart, and every acknowledged point is stored exactly once.

const LOG_METRICS =
  'mutation($r: ID!, $p: [MetricPointInput!]!) { logMetrics(runId: $r, points: $p) { written } }';
const KEYS = ['loss', 'val_loss'];
const WRITERS = 5;
const STEPS_PER_BATCH = 50;
const DOWN_MS = 4000;

/** `restart`: fast shutdown and start; `crash`: kill -9 of the postmaster, then crash recovery. */
const drill =
  (mode: 'restart' | 'crash'): Fault =>
  async () => {
    const name = mode === 'restart' ? 'pg-restart' : 'pg-crash';
    if (process.env.DATABASE_URL)
      return {
        name,
        status: 'not-run',
        summary: 'DATABASE_URL is set: this drill restarts the embedded PostgreSQL only',
        details: {},
      };
    const stack = await startStack('fault-pg');
    const api = await startApi(stack.databaseUrl, {
      FINETRACK_HOME: stack.home,
      ARTIFACT_DIR: `${stack.home}/artifacts`,
    });
    try {
      const fixtures = await seed(api.url, 2, 3);
      const runIds = fixtures.runIds.slice(0, WRITERS);
      const retries = new Tally();
      const clientErrors = new Tally();
      let stop = false;
      const writers = runIds.map(async (runId) => {
        const client = new ApiClient({
          url: api.url,
          token: fixtures.token,
          timeoutMs: 5000,
          // What a worker does: keep trying for a while rather than five times.
          retry: {
            maxAttempts: Infinity,
            baseDelayMs: 100,
            maxDelayMs: 1000,
            maxElapsedMs: 60_000,
          },
          onRetry: (error) => retries.add(`${error.code} HTTP ${error.details.status ?? '-'}`),
        });
        let nextStep = 0;
        let batches = 0;
        while (!stop) {
          const points = [];
          for (let step = nextStep; step < nextStep + STEPS_PER_BATCH; step++)
            for (const key of KEYS) points.push({ key, step, value: step / 1000, wallTime: 1.7e9 });
          try {
            await client.request(LOG_METRICS, { r: runId, p: points });
            nextStep += STEPS_PER_BATCH;
          } catch (error) {
            // The shared client gave up: a worker would spool the batch and send it again later.
            clientErrors.add(
              error instanceof ApiError ? `${error.code}` : (error as Error).message,
            );
            await sleep(200);
          }
          batches++;
          await sleep(50);
        }
        return { runId, ackedSteps: nextStep, batches };
      });

      // Probe: what does the API answer, and when, while PostgreSQL is away?
      const probe = new Tally();
      const timeline: { t: number; answer: string }[] = [];
      const t0 = performance.now();
      let probing = true;
      const prober = (async () => {
        let last = '';
        while (probing) {
          let answer: string;
          try {
            const got = await graphql(
              api.url,
              LOG_METRICS,
              { r: runIds[0], p: [] },
              fixtures.auth,
              3000,
            );
            answer = `HTTP ${got.status}${got.code ? ` ${got.code}` : ' ok'}`;
          } catch (error) {
            answer = `no answer: ${(error as Error).message}`;
          }
          probe.add(answer);
          if (answer !== last) timeline.push({ t: Math.round(performance.now() - t0), answer });
          last = answer;
          await sleep(100);
        }
      })();

      await sleep(3000);
      const downAt = Math.round(performance.now() - t0);
      if (mode === 'restart') await stack.embedded!.restart(DOWN_MS);
      else await stack.embedded!.crashAndRestart(DOWN_MS);
      const upAt = Math.round(performance.now() - t0);
      // Recovered: the first successful probe answer after PostgreSQL is back.
      let recoveredAt: number | undefined;
      for (let waited = 0; waited < 30_000 && recoveredAt === undefined; waited += 100) {
        const ok = timeline.findLast((entry) => entry.answer === 'HTTP 200 ok');
        if (ok && ok.t >= upAt) recoveredAt = ok.t;
        else await sleep(100);
      }
      await sleep(3000);
      stop = true;
      probing = false;
      const results = await Promise.all(writers);
      await prober;

      const apiAlive = api.child.exitCode === null && api.child.signalCode === null;
      // The NOTIFY listener (live updates) reconnects on its own too.
      let listenerBack = false;
      for (let waited = 0; waited < 10_000 && !listenerBack; waited += 250) {
        const [row] = (
          await stack.sql.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND application_name = 'finetrack-api-listen'`,
          )
        ).rows;
        listenerBack = row.n > 0;
        if (!listenerBack) await sleep(250);
      }
      const [counts] = (
        await stack.sql.query<{ stored: string; distinct_points: string; acked_stored: string }>(
          `WITH acked AS (SELECT * FROM unnest($1::uuid[], $2::int[]) AS a(run_id, upto))
         SELECT count(*) AS stored, count(DISTINCT (p.run_id, p.key, p.step)) AS distinct_points,
                count(*) FILTER (WHERE p.step < a.upto) AS acked_stored
           FROM metric_points p JOIN acked a ON a.run_id = p.run_id`,
          [results.map((r) => r.runId), results.map((r) => r.ackedSteps)],
        )
      ).rows;
      const acknowledged = results.reduce((sum, r) => sum + r.ackedSteps * KEYS.length, 0);
      const [rollUp] = (
        await stack.sql.query<{ n: string }>(
          'SELECT coalesce(sum(n), 0) AS n FROM metric_chunks WHERE run_id = ANY($1::uuid[])',
          [runIds],
        )
      ).rows;
      const details = {
        downMs: DOWN_MS,
        postgresStoppedAtMs: downAt,
        postgresUpAtMs: upAt,
        apiRecoveredAtMs: recoveredAt ?? null,
        recoveryAfterPostgresUpMs: recoveredAt === undefined ? null : recoveredAt - upAt,
        apiProcessAlive: apiAlive,
        eventListenerReconnected: listenerBack,
        probeAnswers: probe.counts,
        probeTimeline: timeline,
        clientRetries: retries.counts,
        clientErrorsAfterRetries: clientErrors.counts,
        batches: results.reduce((sum, r) => sum + r.batches, 0),
        acknowledgedPoints: acknowledged,
        storedAcknowledged: Number(counts.acked_stored),
        storedPoints: Number(counts.stored),
        duplicates: Number(counts.stored) - Number(counts.distinct_points),
        missing: acknowledged - Number(counts.acked_stored),
        rollUpPoints: Number(rollUp.n),
        apiStderr: api.stderr.slice(0, 40),
      };
      const answeredWhileDown = Object.keys(probe.counts).filter((a) => a !== 'HTTP 200 ok');
      const passed =
        apiAlive &&
        recoveredAt !== undefined &&
        details.missing === 0 &&
        details.duplicates === 0 &&
        details.rollUpPoints === details.storedPoints &&
        Object.keys(clientErrors.counts).length === 0;
      return {
        name,
        status: passed ? 'passed' : 'failed',
        summary: `PostgreSQL away ${((upAt - downAt) / 1000).toFixed(1)} s (${mode === 'restart' ? 'stopped' : 'kill -9'}, ${DOWN_MS / 1000} s pause, started): API ${apiAlive ? 'stayed up' : 'DIED'}, answered ${answeredWhileDown.join(' / ') || 'nothing else'} meanwhile, recovered ${details.recoveryAfterPostgresUpMs ?? '∞'} ms after PostgreSQL was back; ${acknowledged} points acknowledged, ${details.missing} missing, ${details.duplicates} duplicates; ${Object.values(clientErrors.counts).reduce((a, b) => a + b, 0)} client calls failed after retrying`,
        details,
      };
    } finally {
      await api.stop().catch(() => undefined);
      await api.kill();
      await stack.close();
    }
  };

export const pgRestart = drill('restart');
export const pgCrash = drill('crash');
