import type { Command } from '../command.js';
import { print } from '../columns.js';
import { connect } from '../connect.js';
import { format, FORMAT_HELP, formatOption } from '../options.js';

export const projects: Command = {
  name: 'projects',
  summary: 'list the projects of your teams',
  help: `Usage: finetrack projects [--team ID] [--format table|csv|json]

  --team ID                 only this team's projects (default: every team you belong to)
${FORMAT_HELP}`,
  options: { team: { type: 'string' }, ...formatOption },
  positionals: [0, 0],
  async run(values, _positionals, io) {
    const chosen = format(values);
    const api = await connect(io);
    const teamId = values.team as string | undefined;
    const teams = teamId
      ? [{ id: teamId, name: '' }]
      : (await api.me()).teams.map((team) => ({ id: team.id, name: team.name }));
    const rows: { team: string; project: Awaited<ReturnType<typeof api.projects>>[number] }[] = [];
    for (const team of teams)
      for (const project of await api.projects(team.id))
        rows.push({ team: team.name || team.id, project });
    print(
      io,
      chosen,
      ['id', 'name', 'team', 'description'],
      rows.map(({ team, project }) => [project.id, project.name, team, project.description]),
      rows.map(({ project }) => project),
    );
  },
};
