import type { CodegenConfig } from '@graphql-codegen/cli';

// Typed documents for the `graphql(...)` calls of the Node client, from the committed
// schema. String documents: the client posts text, so no GraphQL runtime is needed.
const config: CodegenConfig = {
  schema: './schema.graphql',
  documents: ['src/client/operations.ts'],
  generates: {
    './src/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        documentMode: 'string',
        enumsAsTypes: true,
        useTypeImports: true,
        strictScalars: true,
        emitLegacyCommonJSImports: false,
        scalars: {
          DateTimeISO: 'string',
          JSONObject: 'Record<string, unknown>',
        },
      },
    },
  },
};

export default config;
