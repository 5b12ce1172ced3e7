import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'cdk.out/**', '.local-data/**', 'coverage/**', '*.js', '*.mjs', '**/*.cjs'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['warn', 'error'] }],
      eqeqeq: ['error', 'always'],
    },
  },
  { files: ['local/**', 'scripts/**', 'bench/**', 'infra/**', 'test/**'], rules: { 'no-console': 'off' } },
  // Tests read JSON answers whose shape the assertions themselves check.
  { files: ['test/**'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
);
