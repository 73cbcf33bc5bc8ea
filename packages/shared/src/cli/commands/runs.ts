import type { Command } from '../command.js';
import { printRuns } from '../columns.js';
import { connect } from '../connect.js';
import { format, FORMAT_HELP, formatOption } from '../options.js';

export const runs: Command = {
  name: 'runs',
  summary: 'list the runs of an experiment with their hyperparameters and summary',
  help: `Usage: finetrack runs EXPERIMENT_ID [--format table|csv|json]

${FORMAT_HELP}
                            (the table shows the main columns; csv and json every field)`,
  options: { ...formatOption },
  positionals: [1, 1],
  async run(values, [experimentId], io) {
    const chosen = format(values);
    const list = await (await connect(io)).runs(experimentId);
    printRuns(io, chosen, list, list);
  },
};
