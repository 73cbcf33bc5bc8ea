import type { CodegenConfig } from '@graphql-codegen/cli';

// Typed documents for the `graphql(...)` calls of the Node client and the worker, from the committed
// schema. String documents: the client posts text, so no GraphQL runtime is needed.
const config: CodegenConfig = {
  schema: './schema.graphql',
  documents: [
    'src/client/operations.ts',
    'src/worker-operations.ts',
    'src/score-job-operations.ts',
    'fragments/*.graphql',
  ],
  generates: {
    './src/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        documentMode: 'string',
        enumsAsTypes: true,
        useTypeImports: true,
        strictScalars: true,
        // Inputs typed as sent: ids are strings and lists are arrays (no single-value coercion).
        arrayInputCoercion: false,
        emitLegacyCommonJSImports: false,
        scalars: {
          ID: 'string',
          DateTimeISO: 'string',
          JSONObject: 'Record<string, unknown>',
        },
      },
    },
  },
};

export default config;
