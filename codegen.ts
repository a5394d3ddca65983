import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Client types from the committed schema.graphql and the operations a frontend and an admin
 * dashboard send (examples/operations). `npm run codegen` writes examples/generated/;
 * `npm run codegen:check` also type-checks examples/client.ts against it, so a schema change that
 * breaks a client fails CI here first.
 */
const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['examples/operations/**/*.graphql'],
  ignoreNoDocuments: false,
  errorsOnly: true,
  generates: {
    'examples/generated/': {
      preset: 'client',
      presetConfig: {
        // Masked fragments need a useFragment() call per read; plain result types keep the examples short.
        fragmentMasking: false,
      },
      config: {
        // The generated files are imported from NodeNext ESM code, where relative imports need an extension.
        importExtension: '.js',
        useTypeImports: true,
        enumsAsTypes: true,
        strictScalars: true,
        scalars: {
          // Both arrive as JSON: an ISO-8601 string, and an object of `{ field: { old, new } }`.
          DateTime: 'string',
          JSONObject: 'Record<string, unknown>',
        },
      },
    },
  },
};

export default config;
