import type { Command } from '../command.js';
import { print } from '../columns.js';
import { connect } from '../connect.js';
import { format, FORMAT_HELP, formatOption, required } from '../options.js';

export const experiments: Command = {
  name: 'experiments',
  summary: 'list the experiments of a project',
  help: `Usage: finetrack experiments --project ID [--format table|csv|json]

  --project ID              the project (see finetrack projects)
${FORMAT_HELP}`,
  options: { project: { type: 'string' }, ...formatOption },
  positionals: [0, 0],
  async run(values, _positionals, io) {
    const chosen = format(values);
    const projectId = required(values, 'project');
    const list = await (await connect(io)).experiments(projectId);
    print(
      io,
      chosen,
      ['id', 'name', 'status', 'createdAt'],
      list.map((e) => [e.id, e.name, e.status.toLowerCase(), e.createdAt]),
      list,
    );
  },
};
