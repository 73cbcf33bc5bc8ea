import type { TerminalRunStatus } from '../../client/finetrack-client.js';
import type { Command } from '../command.js';
import { printRuns } from '../columns.js';
import { connect } from '../connect.js';
import { choiceOption, format, FORMAT_HELP, formatOption, required } from '../options.js';

export const runFinish: Command = {
  name: 'run finish',
  summary: 'mark an external run succeeded (or failed, cancelled)',
  help: `Usage: finetrack run finish --run ID [--status succeeded|failed|cancelled] [--error TEXT]
                           [--format table|csv|json]

Ends the run. Summary fields your script did not set (best and last val_accuracy and val_loss,
bestEpoch, wallSeconds) are filled from the metrics it logged. Finishing again changes nothing.

  --run ID                  the run (see finetrack run create)
  --status S                default succeeded
  --error TEXT              why it failed (with --status failed)
${FORMAT_HELP}`,
  options: {
    run: { type: 'string' },
    status: { type: 'string', default: 'succeeded' },
    error: { type: 'string' },
    ...formatOption,
  },
  positionals: [0, 0],
  async run(values, _positionals, io) {
    const chosen = format(values);
    const runId = required(values, 'run');
    const status = choiceOption<TerminalRunStatus>(values, 'status', [
      'SUCCEEDED',
      'FAILED',
      'CANCELLED',
    ])!;
    const error = values.error as string | undefined;
    const run = await (
      await connect(io)
    ).finishRun(runId, status, error === undefined ? {} : { errorMessage: error });
    printRuns(io, chosen, [run], run);
  },
};
