import type { Command } from '../command.js';
import { configDirectory, readConfig, writeConfig } from '../config.js';

export const logout: Command = {
  name: 'logout',
  summary: 'forget the stored token',
  help: `Usage: finetrack logout

Removes the token from the config file (the API address stays). The token itself stays valid:
revoke it in the web app or with revokeApiToken.`,
  options: {},
  positionals: [0, 0],
  async run(_values, _positionals, io) {
    const directory = configDirectory(io.env);
    const stored = await readConfig(directory);
    if (stored.token !== undefined) await writeConfig(directory, { api: stored.api });
    io.stdout('logged out\n');
  },
};
