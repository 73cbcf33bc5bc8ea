import type { Command } from '../command.js';
import { configDirectory, readConfig, writeConfig } from '../config.js';
import { client } from '../connect.js';
import { usageError } from '../exit-codes.js';
import { required } from '../options.js';

export const login: Command = {
  name: 'login',
  summary: 'check a token against the API and store both for later commands',
  help: `Usage: finetrack login --api URL --token T

Checks the token (the API must know it), then stores the API address and the token in
$FINETRACK_CONFIG_DIR, $XDG_CONFIG_HOME/finetrack or ~/.config/finetrack (config.json, mode 0600).

  --api URL     the API, e.g. http://127.0.0.1:4000 (a trailing /graphql is fine)
  --token T     an API token (ft_…); "-" reads it from stdin, keeping it out of shell history`,
  options: { api: { type: 'string' }, token: { type: 'string' } },
  positionals: [0, 0],
  async run(values, _positionals, io) {
    const api = required(values, 'api');
    let token = required(values, 'token');
    if (token === '-') token = (await io.readStdin()).trim();
    if (!token) throw usageError('the token read from stdin is empty');
    try {
      new URL(api);
    } catch {
      throw usageError(`--api must be a URL such as http://127.0.0.1:4000 (got "${api}")`);
    }
    const me = await client({ api, token }, io).me();
    const directory = configDirectory(io.env);
    const stored = await readConfig(directory);
    const file = await writeConfig(directory, { ...stored, api, token });
    io.stdout(`logged in to ${api} as ${me.email}; token stored in ${file}\n`);
  },
};
