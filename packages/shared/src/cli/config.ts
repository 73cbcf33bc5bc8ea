import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CliError, ExitCode } from './exit-codes.js';

/** What `finetrack login` stores. */
export interface StoredConfig {
  api?: string;
  token?: string;
}

export const CONFIG_FILE_NAME = 'config.json';
/** Used when neither FINETRACK_API nor a login names an API: `npm start`'s address. */
export const DEFAULT_API_URL = 'http://127.0.0.1:4000';

/** FINETRACK_CONFIG_DIR, else $XDG_CONFIG_HOME/finetrack, else ~/.config/finetrack. */
export function configDirectory(env: NodeJS.ProcessEnv): string {
  if (env.FINETRACK_CONFIG_DIR) return env.FINETRACK_CONFIG_DIR;
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'finetrack');
}

export async function readConfig(directory: string): Promise<StoredConfig> {
  const file = join(directory, CONFIG_FILE_NAME);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error();
    const { api, token } = parsed as Record<string, unknown>;
    return {
      api: typeof api === 'string' ? api : undefined,
      token: typeof token === 'string' ? token : undefined,
    };
  } catch {
    throw new CliError(
      `${file} is not a finetrack config; run finetrack login again`,
      ExitCode.Failure,
    );
  }
}

/**
 * Writes the config readable by its owner only: the folder 0700, the file 0600, written to a
 * temporary file first and renamed, so a reader never sees half a file.
 */
export async function writeConfig(directory: string, config: StoredConfig): Promise<string> {
  await mkdir(directory, { recursive: true, mode: 0o700 });
  await chmod(directory, 0o700);
  const file = join(directory, CONFIG_FILE_NAME);
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    await chmod(temporary, 0o600);
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  return file;
}

/** The API and token a command uses: FINETRACK_API / FINETRACK_TOKEN win over the stored login. */
export async function resolveConnection(
  env: NodeJS.ProcessEnv,
): Promise<{ api: string; token: string }> {
  const stored = await readConfig(configDirectory(env));
  const api = env.FINETRACK_API || stored.api || DEFAULT_API_URL;
  const token = env.FINETRACK_TOKEN || stored.token;
  if (!token)
    throw new CliError(
      'not logged in: run finetrack login --api URL --token T, or set FINETRACK_TOKEN',
      ExitCode.Auth,
    );
  return { api, token };
}
