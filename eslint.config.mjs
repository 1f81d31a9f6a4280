// Lint that pays: only rules that catch bugs or guard the design's invariants, each one an error.
// `npm run lint` runs it; `npm test` runs it first (pretest). test/lint/lint.test.ts proves each
// rule fires on a planted violation and that the tree passes.
import { builtinModules } from 'node:module';
import { defineConfig } from 'eslint/config';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/** Why workflow code imports nothing Node-, AWS- or worker-side. */
const DETERMINISM =
  'Workflow code runs in Temporal\'s deterministic sandbox and the bundle ships it without Node or the AWS SDK: ' +
  'import only @temporalio/workflow, @temporalio/common and src/contracts (plus `import type` of src/activities).';

/** Node built-ins by their bare names (`fs`, `fs/promises`, `child_process`, …); `node:*` is a pattern below. */
const NODE_BUILTINS = builtinModules.filter((name) => !name.startsWith('_') && !name.startsWith('node:'));

/** Imports no file under src/workflows or src/contracts may make. */
const WORKFLOW_SAFE_IMPORTS = {
  paths: NODE_BUILTINS.map((name) => ({ name, message: DETERMINISM })),
  patterns: [
    { regex: '^node:', message: DETERMINISM },
    { regex: '^@(aws-sdk|smithy)/', message: DETERMINISM },
    { regex: '^@temporalio/(activity|worker|client|testing|envconfig)(/|$)', message: DETERMINISM },
  ],
};

export default defineConfig(
  {
    ignores: ['dist/**', 'node_modules/**', '.tools/**', 'coverage/**', 'test/lint/fixtures/**'],
  },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      // One program for the whole tree, as tsc builds it: about a third less CPU here than
      // `projectService`, which test/lint uses only for files planted at paths that do not exist.
      parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    plugins: { '@typescript-eslint': tseslint.plugin, 'import-x': importX },
    settings: {
      // import-x reads only .js files unless told otherwise: without these, no-cycle sees no TS imports.
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/external-module-folders': ['node_modules', 'node_modules/@types'],
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.json'] })],
    },
    rules: {
      // An unawaited promise loses its error (an unhandled rejection kills the worker) and, in a
      // workflow, lets a step run out of order.
      '@typescript-eslint/no-floating-promises': 'error',
      // A value import used only as a type still loads its module at run time: in a workflow that
      // can pull Node or the AWS SDK into the bundle.
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      // Cycles make load order decide what is undefined at import time.
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: './src',
              from: ['./sandbox', './harness', './test', './scripts', './bench', './examples'],
              message: 'src/ is the product: it never imports the sandbox, the harness, tests, scripts or benches.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      // The CLI writes through its deps and the worker logs through its logger, so tests see output.
      'no-console': 'error',
      // Activities heartbeat through src/aws/heartbeat.ts, which remembers what they sent: a call
      // queued for a rate-limit token heartbeats again with it instead of erasing the checkpoint.
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.type='MemberExpression'][callee.property.name='heartbeat']",
          message: 'Heartbeat with heartbeat() from src/aws/heartbeat.ts, so the details are remembered.',
        },
      ],
    },
  },
  {
    files: ['src/aws/heartbeat.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    files: ['src/contracts/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', WORKFLOW_SAFE_IMPORTS],
    },
  },
  {
    files: ['src/workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          ...WORKFLOW_SAFE_IMPORTS,
          patterns: [
            ...WORKFLOW_SAFE_IMPORTS.patterns,
            { regex: '(^|/)activities(/|$)', allowTypeImports: true, message: DETERMINISM },
          ],
        },
      ],
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: './src/workflows',
              from: './src',
              except: ['./workflows', './contracts', './activities'],
              message: DETERMINISM,
            },
            {
              target: './src/workflows',
              from: ['./sandbox', './harness', './test', './scripts', './bench', './examples'],
              message: DETERMINISM,
            },
          ],
        },
      ],
    },
  },
);
