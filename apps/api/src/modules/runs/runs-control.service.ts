import type { DataSource } from 'typeorm';
import type { Actor } from '../../common/actor.js';
import { EntityRows } from '../../common/entity-rows.js';
import { badInput } from '../../graphql/errors.js';
import { inTransaction, type Transaction } from '../queue/run-queue.js';
import type { AccessService } from '../teams/access.service.js';
import { TeamRole } from '../teams/team-role.js';
import type { RunSchedulerService } from './run-scheduler.service.js';
import { Run, RunStatusEnum } from './run.entity.js';

/** The members' controls over a run's execution: cancel it, or queue it again. */
export class RunsControlService {
  private readonly rows: EntityRows<Run>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly access: AccessService,
    private readonly scheduler: RunSchedulerService,
  ) {
    this.rows = new EntityRows(dataSource, Run);
  }

  private async lock(tx: Transaction, id: string): Promise<Run> {
    const [row] = await tx.query(
      `SELECT ${this.rows.columns()} FROM runs WHERE id = $1 FOR UPDATE`,
      [id],
    );
    return this.rows.from(row);
  }

  /** Queued or running → cancelled (idempotent); the worker learns it at its next heartbeat. */
  async cancel(actor: Actor, id: string): Promise<Run> {
    await this.access.requireOwned(actor, 'runs', id, TeamRole.MEMBER, 'run');
    return inTransaction(this.dataSource, async (tx) => {
      const run = await this.lock(tx, id);
      if (run.status === RunStatusEnum.CANCELLED) return run;
      if (run.status !== RunStatusEnum.QUEUED && run.status !== RunStatusEnum.RUNNING)
        throw badInput(`a ${run.status} run cannot be cancelled`);
      const [row] = await tx.query(
        `UPDATE runs SET status = 'cancelled', finished_at = now(), lease_expires_at = NULL
          WHERE id = $1 RETURNING ${this.rows.columns()}`,
        [id],
      );
      await this.scheduler.endJob(tx, run, 'cancel');
      return this.rows.from(row);
    });
  }

  /** Failed or cancelled → queued; a new claim resumes from the run's checkpoint. */
  async retry(actor: Actor, id: string): Promise<Run> {
    await this.access.requireOwned(actor, 'runs', id, TeamRole.MEMBER, 'run');
    return inTransaction(this.dataSource, async (tx) => {
      const run = await this.lock(tx, id);
      if (run.status !== RunStatusEnum.FAILED && run.status !== RunStatusEnum.CANCELLED)
        throw badInput(`only failed or cancelled runs are retried; this one is ${run.status}`);
      if (run.external) throw badInput('external runs are not executed by workers');
      const [row] = await tx.query(
        `UPDATE runs SET status = 'queued', error_message = NULL, finished_at = NULL,
                worker_id = NULL, lease_expires_at = NULL, job_id = NULL,
                queued_at = date_trunc('milliseconds', now())
          WHERE id = $1 RETURNING ${this.rows.columns()}`,
        [id],
      );
      await this.scheduler.enqueue(tx, [id]);
      return this.rows.from(row);
    });
  }
}
