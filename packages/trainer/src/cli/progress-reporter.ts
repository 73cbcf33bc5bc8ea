import cliProgress from 'cli-progress';
import type { EpochRecord, MetricPoint } from '../train/types.js';

/** Where the CLI writes; tests pass their own to capture output. */
export interface CliStreams {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown; isTTY?: boolean };
}

/** Progress: a bar on a terminal, one plain line per epoch otherwise. */
export class ProgressReporter {
  private bar: cliProgress.SingleBar | undefined;
  private readonly lines: { write(text: string): unknown };

  constructor(
    private readonly streams: CliStreams,
    private readonly json: boolean,
  ) {
    this.lines = json ? streams.stderr : streams.stdout;
  }

  get usesBar(): boolean {
    return this.streams.stderr.isTTY === true;
  }

  start(label: string, epochs: number, trainSamples: number, batchSize: number): void {
    this.info(`${label}: ${epochs} epoch(s) of ${trainSamples} samples, batch ${batchSize}`);
    if (!this.usesBar) return;
    const stepsPerEpoch = Math.ceil(trainSamples / batchSize);
    this.bar = new cliProgress.SingleBar(
      {
        stream: this.streams.stderr as NodeJS.WritableStream,
        format: `${label} [{bar}] {percentage}% | epoch {epoch}/${epochs} | loss {loss} | {value}/{total} steps | eta {eta}s`,
        hideCursor: true,
        clearOnComplete: true,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(stepsPerEpoch * epochs, 0, { epoch: 1, loss: '-' });
  }

  onMetrics = (points: MetricPoint[]): void => {
    if (!this.bar) return;
    const loss = points.find((point) => point.key === 'batch_loss');
    if (loss) this.bar.update(loss.step, { epoch: loss.epoch, loss: loss.value.toFixed(4) });
  };

  onEpochEnd = (record: EpochRecord, epochs: number): void => {
    const line =
      `epoch ${record.epoch}/${epochs} loss ${record.loss.toFixed(4)} accuracy ${record.accuracy.toFixed(4)} ` +
      `val_loss ${record.valLoss.toFixed(4)} val_accuracy ${record.valAccuracy.toFixed(4)} ` +
      `${Math.round(record.samplesPerSecond)} samples/s ${record.wallSeconds.toFixed(1)} s${record.cached ? ' (cached features)' : ''}`;
    if (this.bar) this.streams.stderr.write(`\r\x1b[2K${line}\n`);
    else this.lines.write(`${line}\n`);
  };

  info(text: string): void {
    if (this.bar) this.streams.stderr.write(`\r\x1b[2K${text}\n`);
    else this.lines.write(`${text}\n`);
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}
