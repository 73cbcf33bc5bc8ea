import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { DatasetError, DatasetErrorCode } from './dataset-error.js';

/**
 * The folder image datasets must live under. `FINETRACK_DATA_ROOT` when set; otherwise
 * `$FINETRACK_HOME/data` when FINETRACK_HOME is set (what workers run with); otherwise the
 * current directory, so `finetrack-train … --dataset folder:./photos` works where a user stands.
 */
export function resolveDataRoot(
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): string {
  if (env.FINETRACK_DATA_ROOT) return path.resolve(cwd, env.FINETRACK_DATA_ROOT);
  if (env.FINETRACK_HOME) return path.resolve(cwd, env.FINETRACK_HOME, 'data');
  return path.resolve(cwd);
}

function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return (
    relative === '' ||
    (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative))
  );
}

async function realpathOrNotFound(target: string, what: string): Promise<string> {
  try {
    return await realpath(target);
  } catch {
    throw new DatasetError(DatasetErrorCode.NotFound, `${what} ${target} does not exist`);
  }
}

/**
 * Resolves `folder` (relative to the data root, or absolute) to a real path, following `..` and
 * symbolic links, and throws OUTSIDE_DATA_ROOT unless the result lies inside the data root.
 */
export async function resolveInsideDataRoot(dataRoot: string, folder: string): Promise<string> {
  const realRoot = await realpathOrNotFound(path.resolve(dataRoot), 'the data root');
  const lexical = path.resolve(realRoot, folder);
  const outside = () =>
    new DatasetError(
      DatasetErrorCode.OutsideDataRoot,
      `${folder} is outside the data root ${realRoot} (set FINETRACK_DATA_ROOT to allow another root)`,
    );
  // A lexical check first, so a path that escapes and does not exist still reports the escape.
  if (
    !isInside(realRoot, lexical) &&
    !isInside(path.resolve(dataRoot), path.resolve(dataRoot, folder))
  )
    throw outside();
  const real = await realpathOrNotFound(lexical, 'the folder');
  if (!isInside(realRoot, real)) throw outside();
  return real;
}

/** True when `file`, after following links, is still inside `realRoot` (already a real path). */
export async function isRealPathInside(realRoot: string, file: string): Promise<boolean> {
  try {
    return isInside(realRoot, await realpath(file));
  } catch {
    return false;
  }
}
