import type { Command } from '../command.js';
import { printRuns } from '../columns.js';
import { connect } from '../connect.js';
import { format, FORMAT_HELP, formatOption } from '../options.js';

export const runShow: Command = {
  name: 'run show',
  summary: 'one run with its hyperparameters and summary',
  help: `Usage: finetrack run show RUN_ID [--format table|csv|json]

${FORMAT_HELP}`,
  options: { ...formatOption },
  positionals: [1, 1],
  async run(values, [runId], io) {
    const chosen = format(values);
    const run = await (await connect(io)).run(runId);
    printRuns(io, chosen, [run], run);
  },
};
