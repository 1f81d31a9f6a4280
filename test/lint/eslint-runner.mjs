/**
 * Runs ESLint's Node API with the project's config for test/lint/lint.test.ts, in a plain Node
 * process: Jest's module sandbox cannot load `eslint.config.mjs` (an ES module loaded by dynamic
 * import). Reads one job as JSON on stdin and writes every linted file's messages as JSON on stdout.
 *
 * A job has three optional parts, paths relative to the repository root:
 * - `planted`: `[{ code, filePath }]`, code linted as if it were the file at `filePath`, which
 *   need not exist (a violation planted under `src/workflows/` without touching `src/`);
 * - `unignored`: real files linted even though the config ignores them (the cycle fixture);
 * - `tree`: paths linted exactly as `npm run lint` lints them.
 */
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ESLint } from 'eslint';

const root = join(import.meta.dirname, '../..');
const job = JSON.parse(readFileSync(0, 'utf8'));
const planted = job.planted ?? [];

/** `{ filePath, messages: [{ ruleId, line, message }] }` per file, paths relative to the root. */
function summarize(results) {
  return results.map((result) => ({
    filePath: relative(root, result.filePath),
    messages: result.messages.map(({ ruleId, line, message }) => ({ ruleId, line, message })),
  }));
}

const output = [];
if (planted.length > 0) {
  // A planted file is not on disk, so tsconfig.json cannot list it: type information comes from
  // a default project with the same compiler options. Every rule is the project's own.
  const plantedPaths = planted.map((p) => p.filePath);
  const eslint = new ESLint({
    cwd: root,
    overrideConfig: {
      files: plantedPaths,
      languageOptions: {
        parserOptions: { project: null, projectService: { allowDefaultProject: plantedPaths, defaultProject: 'tsconfig.json', maximumDefaultProjectFileMatchCount_THIS_WILL_SLOW_DOWN_LINTING: 16 } },
      },
    },
  });
  for (const { code, filePath } of planted) {
    output.push(...summarize(await eslint.lintText(code, { filePath: join(root, filePath) })));
  }
}
if (job.unignored?.length > 0) {
  output.push(...summarize(await new ESLint({ cwd: root, ignore: false }).lintFiles(job.unignored)));
}
if (job.tree?.length > 0) {
  output.push(...summarize(await new ESLint({ cwd: root }).lintFiles(job.tree)));
}
process.stdout.write(JSON.stringify(output));
