import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.firebreak/**', 'coverage/**', 'test-artifacts/**', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-eval': 'error',
      'no-new-func': 'error',
      'no-implied-eval': 'error',
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: activities by type only, and none of
    // the I/O libraries or Node built-ins.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'Node built-ins are not allowed in workflow code.' },
            { group: ['fs', 'path', 'os', 'crypto', 'child_process', 'net', 'http', 'https', 'util'], message: 'Node built-ins are not allowed in workflow code.' },
            { group: ['ssh2', 'nodemailer', 'ajv', 'ajv/*', 'ajv-formats', 'yaml', 'fastify', 'pg'], message: 'I/O and validation libraries belong in activities or the compiler, not in workflows.' },
            { group: ['@temporalio/worker', '@temporalio/client', '@temporalio/activity'], message: 'Workflows import only @temporalio/workflow.' },
            { group: ['../activities/*', '../activities'], importNamePattern: '.*', allowTypeImports: true, message: 'Workflows import activities as types only.' },
          ],
        },
      ],
    },
  },
);
