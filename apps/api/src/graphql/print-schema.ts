import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { getSchema } from './schema.js';

/**
 * The contract lives in @finetrack/shared (packages/shared/schema.graphql), which the web app, the
 * Node client and the worker generate their documents from; the API only writes it.
 */
export const SCHEMA_FILE = createRequire(import.meta.url).resolve(
  '@finetrack/shared/schema.graphql',
);

/**
 * The schema as committed: sorted so diffs stay small, and formatted
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

// `npm run schema:write -w @finetrack/api` regenerates packages/shared/schema.graphql.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await writeFile(SCHEMA_FILE, await printedSchema());
  console.log(`wrote ${SCHEMA_FILE}`);
}
