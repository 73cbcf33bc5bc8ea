import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { getSchema } from './schema.js';

export const SCHEMA_FILE = fileURLToPath(new URL('../../schema.graphql', import.meta.url));

/**
 * The schema as committed in apps/api/schema.graphql: sorted so diffs stay small, and formatted
 * by Prettier (a dev tool, imported only here) so `prettier --check` agrees with the file.
 */
export async function printedSchema(): Promise<string> {
  const prettier = await import('prettier');
  const options = (await prettier.resolveConfig(SCHEMA_FILE)) ?? {};
  return prettier.format(printSchema(lexicographicSortSchema(await getSchema())), {
    ...options,
    parser: 'graphql',
  });
}

// `npm run schema:write -w @finetrack/api` regenerates the committed file.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await writeFile(SCHEMA_FILE, await printedSchema());
  console.log(`wrote ${SCHEMA_FILE}`);
}
