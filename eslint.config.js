// Lint: ESLint's and typescript-eslint's recommended rules over sources, tests, benches and fixtures.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['node_modules/', 'dist/', 'ledgerbench-results/', 'test-artifacts/', '.tmp/', 'fixtures/seed-configs/', 'src/report/assets/'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // `_`-prefixed parameters are kept on purpose (interfaces, Caliper's call signatures).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // CommonJS files: Caliper workload modules and Node chaincode, as their users write them.
    files: ['**/*.cjs', 'fixtures/chaincode/**/*.js', 'fixtures/workloads/**/*.js', 'fixtures/user-project/chaincode/**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
