import type { CodegenConfig } from '@graphql-codegen/cli';

// Typed documents for every `graphql(...)` call in src, from the committed schema in @finetrack/shared.
const config: CodegenConfig = {
  schema: '../../packages/shared/schema.graphql',
  // The fragments shared with the Node client live beside the schema.
  documents: ['src/**/*.graphql.ts', '../../packages/shared/fragments/*.graphql'],
  ignoreNoDocuments: true,
  generates: {
    './src/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        enumsAsTypes: true,
        useTypeImports: true,
        strictScalars: true,
        scalars: {
          DateTimeISO: 'string',
          JSONObject: 'Record<string, unknown>',
        },
      },
    },
  },
};

export default config;
