// The workspace rules plus React's rules of hooks for the web app.
import reactHooks from 'eslint-plugin-react-hooks';
import shared from '../../eslint.config.mjs';

export default [
  ...shared,
  { ignores: ['src/gql/**', '.next/**', 'next-env.d.ts', 'test-results/**'] },
  {
    files: ['**/*.mjs'],
    languageOptions: { globals: { console: 'readonly', process: 'readonly' } },
  },
  {
    files: ['**/*.ts', '**/*.tsx'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
    },
  },
];
