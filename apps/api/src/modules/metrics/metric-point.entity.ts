import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One value of one curve. Written in bulk by MetricIngestService, never through this repository. */
@Entity('metric_points')
export class MetricPoint {
  @PrimaryColumn('uuid', { name: 'run_id' })
  runId: string;

  @PrimaryColumn('text')
  key: string;

  @PrimaryColumn('integer')
  step: number;

  @Column('double precision')
  value: number;

  /** Seconds since the Unix epoch, as the client reported them. */
  @Column('double precision', { name: 'wall_time' })
  wallTime: number;
}
