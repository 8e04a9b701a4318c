import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Layers, lowest first. A folder imports only its own layer or lower ones: the pipeline reads
 * upward from the contracts to the processes people run, and nothing below knows what is above.
 */
export const LAYERS = [
  { name: 'contracts', folders: ['contracts', 'schema'] },
  { name: 'language', folders: ['language'] },
  { name: 'frontend', folders: ['frontend'] },
  { name: 'services', folders: ['services'] },
  { name: 'runtime', folders: ['workflows', 'activities', 'worker'] },
  { name: 'apps', folders: ['apps'] },
];

/** Files the workflow bundle may import: Temporal's deterministic sandbox applies to all of them. */
export const SANDBOXED = ['workflows/**/*.ts', 'contracts/**/*.ts', 'language/**/*.ts'];

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** Matches a relative import specifier that reaches the top-level folder `folder`. */
const reaches = (folder) => `^(\\.\\.?/)+(\\.\\./)*${escape(folder)}(/|$)`;

const layerPattern = (layerIndex) => {
  const above = LAYERS.slice(layerIndex + 1).flatMap((l) => l.folders);
  if (above.length === 0) return [];
  return [
    {
      regex: `^(\\.\\./)+(${above.map(escape).join('|')})(/|$)`,
      message: `Layer "${LAYERS[layerIndex].name}" may not import a higher layer (${above.join(', ')}). Move the shared code down, or invert the dependency.`,
    },
  ];
};

const SANDBOX_PATTERNS = [
  { group: ['node:*'], message: 'Node built-ins are not allowed in code the workflow bundle imports.' },
  {
    group: ['fs', 'path', 'os', 'crypto', 'child_process', 'net', 'http', 'https', 'util'],
    message: 'Node built-ins are not allowed in code the workflow bundle imports.',
  },
  {
    group: ['ssh2', 'nodemailer', 'ajv', 'ajv/*', 'ajv-formats', 'yaml', 'js-yaml', 'fastify', 'pg'],
    message:
      'I/O and validation libraries belong in activities, services or the front end, not in workflow code.',
  },
  {
    group: ['@temporalio/worker', '@temporalio/client', '@temporalio/activity'],
    message: 'Workflow code imports only @temporalio/workflow (and @temporalio/common).',
  },
];

/** Runtime folders among themselves: workflows see activities as types only; nothing imports the worker. */
const RUNTIME_PATTERNS = {
  workflows: [
    {
      regex: reaches('activities'),
      allowTypeImports: true,
      message: 'Workflows import activities as types only.',
    },
    { regex: reaches('worker'), message: 'Workflows may not import the worker.' },
  ],
  activities: [{ regex: reaches('worker'), message: 'Activities may not import the worker.' }],
};

const layerConfigs = LAYERS.flatMap((layer, i) =>
  layer.folders.map((folder) => {
    const sandboxed = SANDBOXED.some((g) => g.startsWith(`${folder}/`));
    const patterns = [
      ...layerPattern(i),
      ...(RUNTIME_PATTERNS[folder] ?? []),
      ...(sandboxed ? SANDBOX_PATTERNS : []),
    ];
    return {
      files: [`${folder}/**/*.ts`],
      rules: patterns.length ? { 'no-restricted-imports': ['error', { patterns }] } : {},
    };
  }),
);

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      '.firebreak/**',
      'coverage/**',
      'test-artifacts/**',
      '**/*.js',
      '**/*.mjs',
      'test/architecture/fixtures/**',
    ],
  },
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
      // No function anyone must scroll through (tests and generated code excepted below).
      'max-lines-per-function': ['error', { max: 200, skipBlankLines: true, skipComments: true }],
    },
  },
  ...layerConfigs,
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'schema/generated/**/*.ts'],
    rules: { 'max-lines-per-function': 'off' },
  },
);
