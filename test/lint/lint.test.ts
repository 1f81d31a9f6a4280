/**
 * The lint rules guard the design (workflow code stays deterministic and Node-free, no cycles, no
 * console in the product, no lost promises), so each must really fire: a planted violation of
 * every rule is linted with the project's config and must be reported by that rule, at that line,
 * and by nothing else; and the real tree must pass. Planted files live in fixtures/, which the
 * config ignores, and are linted as if they sat where the rule applies (e.g. under src/workflows/).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '../..');
const FIXTURES = join(__dirname, 'fixtures');

interface LintMessage {
  ruleId: string | null;
  line: number;
  message: string;
}

interface LintedFile {
  filePath: string;
  messages: LintMessage[];
}

/** Where each planted fixture is linted as if it lived. */
const PLANTED: Record<string, string> = {
  'floating-promise.ts': 'src/aws/planted-floating-promise.ts',
  'workflow-imports.ts': 'src/workflows/planted-imports.ts',
  'workflow-reaches-into-src.ts': 'src/workflows/planted-reach.ts',
  'src-imports-sandbox.ts': 'src/cli/planted-sandbox-import.ts',
  'console.ts': 'src/cli/planted-console.ts',
  'value-import-used-as-type.ts': 'src/aws/planted-type-import.ts',
  'bare-heartbeat.ts': 'src/activities/planted-heartbeat.ts',
};
/** The same fixtures planted where a rule must not apply, or where another one must too. */
const ALSO_PLANTED: Record<string, string> = {
  'contracts-imports': 'src/contracts/planted-imports.ts',
  'console-outside-src': 'sandbox/planted-console.ts',
};
const CYCLE = ['test/lint/fixtures/cycle/first.ts', 'test/lint/fixtures/cycle/second.ts'];

function fixture(name: string): string {
  return readFileSync(join(FIXTURES, 'planted', name), 'utf8');
}

/** Runs ESLint with the project's config in a plain Node process (see eslint-runner.mjs). */
function runEslint(job: { planted?: { code: string; filePath: string }[]; unignored?: string[]; tree?: string[] }): LintedFile[] {
  const run = spawnSync(process.execPath, [join(__dirname, 'eslint-runner.mjs')], {
    cwd: ROOT,
    input: JSON.stringify(job),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`eslint-runner exited ${run.status}: ${run.stderr}`);
  return JSON.parse(run.stdout) as LintedFile[];
}

/** `rule@line` for every message of one file, in order. */
function reported(files: LintedFile[], filePath: string): string[] {
  const file = files.find((f) => f.filePath === filePath);
  if (!file) throw new Error(`${filePath} was not linted (linted: ${files.map((f) => f.filePath).join(', ')})`);
  return file.messages.map((m) => `${m.ruleId ?? `fatal: ${m.message}`}@${m.line}`);
}

describe('npm run lint', () => {
  let linted: LintedFile[];

  beforeAll(() => {
    linted = runEslint({
      planted: [
        ...Object.entries(PLANTED).map(([name, filePath]) => ({ code: fixture(name), filePath })),
        { code: fixture('workflow-imports.ts'), filePath: ALSO_PLANTED['contracts-imports'] },
        { code: fixture('console.ts'), filePath: ALSO_PLANTED['console-outside-src'] },
      ],
      unignored: CYCLE,
      tree: ['.'],
    });
  }, 300_000);

  it('reports a promise nobody awaits (no-floating-promises)', () => {
    expect(reported(linted, PLANTED['floating-promise.ts'])).toEqual(['@typescript-eslint/no-floating-promises@7']);
  });

  it('reports an import cycle of two files (import-x/no-cycle)', () => {
    expect(reported(linted, CYCLE[0])).toEqual(['import-x/no-cycle@2']);
    expect(reported(linted, CYCLE[1])).toEqual(['import-x/no-cycle@2']);
  });

  it('reports Node built-ins, the AWS SDK, activity-side Temporal packages and value imports of activities under src/workflows', () => {
    const rule = '@typescript-eslint/no-restricted-imports';
    // node:fs, path, @aws-sdk/client-ec2, @temporalio/activity, a value import of ../activities;
    // @temporalio/workflow, ../contracts and `import type` of ../activities pass.
    expect(reported(linted, PLANTED['workflow-imports.ts'])).toEqual([`${rule}@2`, `${rule}@3`, `${rule}@4`, `${rule}@5`, `${rule}@6`]);
  });

  it('holds src/contracts to the same imports (the activities import aside, it is not restricted there)', () => {
    const rule = '@typescript-eslint/no-restricted-imports';
    expect(reported(linted, ALSO_PLANTED['contracts-imports'])).toEqual([`${rule}@2`, `${rule}@3`, `${rule}@4`, `${rule}@5`]);
  });

  it('reports a workflow reaching into src/request instead of src/contracts (import-x/no-restricted-paths)', () => {
    expect(reported(linted, PLANTED['workflow-reaches-into-src.ts'])).toEqual(['import-x/no-restricted-paths@3']);
  });

  it('reports src importing the sandbox (import-x/no-restricted-paths)', () => {
    expect(reported(linted, PLANTED['src-imports-sandbox.ts'])).toEqual(['import-x/no-restricted-paths@3']);
  });

  it('reports console under src, and only there (no-console)', () => {
    expect(reported(linted, PLANTED['console.ts'])).toEqual(['no-console@3']);
    expect(reported(linted, ALSO_PLANTED['console-outside-src'])).toEqual([]);
  });

  it('reports a value import used only as a type (consistent-type-imports)', () => {
    expect(reported(linted, PLANTED['value-import-used-as-type.ts'])).toEqual(['@typescript-eslint/consistent-type-imports@2']);
  });

  it('reports an activity heartbeating past the helper that remembers its details (no-restricted-syntax)', () => {
    expect(reported(linted, PLANTED['bare-heartbeat.ts'])).toEqual(['no-restricted-syntax@3']);
  });

  it('passes on the real tree, which it lints without the fixtures', () => {
    const tree = linted.filter((f) => !Object.values({ ...PLANTED, ...ALSO_PLANTED }).includes(f.filePath) && !CYCLE.includes(f.filePath));
    expect(tree.length).toBeGreaterThan(150);
    expect(tree.some((f) => f.filePath.startsWith('test/lint/fixtures/'))).toBe(false);
    expect(tree.filter((f) => f.messages.length > 0)).toEqual([]);
  });
});
