// Browser tests and the benchmark run the production server: build the API and the web app
// first when their output is missing or older than their sources.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const web = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const root = path.resolve(web, '../..');

function newest(folder) {
  let latest = 0;
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    if (entry.name === 'gql' || entry.name === 'node_modules') continue;
    const full = path.join(folder, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : statSync(full).mtimeMs);
  }
  return latest;
}

function run(args, cwd) {
  console.log(`[ensure-build] npm ${args.join(' ')}`);
  const result = spawnSync('npm', args, { cwd, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const apiEntry = path.join(root, 'apps/api/dist/index.js');
const stale = (output, source) =>
  !existsSync(path.join(root, output)) ||
  newest(path.join(root, output)) < newest(path.join(root, source));
if (
  !existsSync(apiEntry) ||
  stale('packages/shared/dist', 'packages/shared/src') ||
  stale('apps/api/dist', 'apps/api/src')
) {
  run(['run', 'build', '-w', '@finetrack/shared'], root);
  run(['run', 'build', '-w', '@finetrack/api'], root);
}

const buildId = path.join(web, '.next/BUILD_ID');
const sources = Math.max(
  newest(path.join(web, 'src')),
  statSync(path.join(web, 'next.config.ts')).mtimeMs,
  statSync(path.join(root, 'packages/shared/schema.graphql')).mtimeMs,
);
if (!existsSync(buildId) || statSync(buildId).mtimeMs < sources) run(['run', 'build'], web);
else console.log('[ensure-build] .next is up to date');
