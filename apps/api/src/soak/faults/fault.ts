/** What each drill reports. `not-run` means it could not be set up here (and says why). */
export interface FaultResult {
  name: string;
  status: 'passed' | 'failed' | 'not-run';
  /** One line a person reads first. */
  summary: string;
  /** Figures and observations, written to the JSON report as they are. */
  details: Record<string, unknown>;
  seconds: number;
}

export type Fault = () => Promise<Omit<FaultResult, 'seconds'>>;

/** Counts answers by a label (status/code) for "what did the API say while it was down". */
export class Tally {
  readonly counts: Record<string, number> = {};
  add(label: string) {
    this.counts[label] = (this.counts[label] ?? 0) + 1;
  }
}
