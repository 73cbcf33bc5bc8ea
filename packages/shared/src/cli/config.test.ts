import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  configDirectory,
  DEFAULT_API_URL,
  readConfig,
  resolveConnection,
  writeConfig,
} from './config.js';

describe('configDirectory', () => {
  it.each([
    [{ FINETRACK_CONFIG_DIR: '/x/ft', XDG_CONFIG_HOME: '/xdg', HOME: '/home/a' }, '/x/ft'],
    [{ XDG_CONFIG_HOME: '/xdg', HOME: '/home/a' }, '/xdg/finetrack'],
    [{ HOME: '/home/a' }, '/home/a/.config/finetrack'],
  ])('%j → %s', (env, expected) => {
    expect(configDirectory(env)).toBe(expected);
  });
});

describe('writeConfig / resolveConnection', () => {
  let folder: string;
  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'finetrack-config-'));
  });
  afterEach(() => rm(folder, { recursive: true, force: true }));

  it('stores the file 0600 in a 0700 folder and reads it back', async () => {
    const directory = join(folder, 'nested', 'finetrack');
    const file = await writeConfig(directory, { api: 'http://a:1', token: 'ft_x' });
    expect((await stat(directory)).mode & 0o777).toBe(0o700);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readConfig(directory)).toEqual({ api: 'http://a:1', token: 'ft_x' });
    await writeConfig(directory, { api: 'http://b:2', token: 'ft_y' });
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ api: 'http://b:2', token: 'ft_y' });
  });

  it('lets FINETRACK_API and FINETRACK_TOKEN win over the stored login', async () => {
    await writeConfig(folder, { api: 'http://stored:1', token: 'ft_stored' });
    const env = { FINETRACK_CONFIG_DIR: folder };
    await expect(resolveConnection(env)).resolves.toEqual({
      api: 'http://stored:1',
      token: 'ft_stored',
    });
    await expect(
      resolveConnection({ ...env, FINETRACK_API: 'http://env:2', FINETRACK_TOKEN: 'ft_env' }),
    ).resolves.toEqual({ api: 'http://env:2', token: 'ft_env' });
  });

  it('asks for a login when there is no token, and names a broken file', async () => {
    const env = { FINETRACK_CONFIG_DIR: folder };
    await expect(resolveConnection(env)).rejects.toMatchObject({ exitCode: 3 });
    await expect(resolveConnection({ ...env, FINETRACK_TOKEN: 't' })).resolves.toEqual({
      api: DEFAULT_API_URL,
      token: 't',
    });
    await writeFile(join(folder, 'config.json'), '{not json');
    await expect(readConfig(folder)).rejects.toThrow('is not a finetrack config');
  });
});
