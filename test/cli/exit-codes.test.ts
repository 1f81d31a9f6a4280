import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT_CODES_HELP, ExitCode } from '../../src/cli/exit-codes';

/**
 * The exit codes are a contract with CI scripts: the numbers the README documents. Most tests
 * compare a run's code with `ExitCode.…`, so they could not see a constant change its number;
 * this one pins every constant to the README's table and to `--help`'s line.
 */
describe('exit codes', () => {
  it('are the numbers the README documents, and --help says the same', () => {
    expect(ExitCode).toEqual({ OK: 0, DEPLOY_FAILED: 1, INVALID_INPUT: 2, CONFLICT: 3, SYSTEM_ERROR: 4, DEPLOY_STOPPED: 5, DEPLOY_RUNNING: 6 });
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('| exit code | meaning |')).split('\n\n')[0];
    const rows = table.split('\n').slice(2);
    const documented = rows.map((line) => line.split('|')[1].trim());
    expect(documented).toEqual(['0', '1', '2', '3', '4', '5', '6']);
    expect(rows[4]).toMatch(/system error: Temporal unreachable/);
    expect(EXIT_CODES_HELP).toMatch(/\b4 system error\b/);
  });
});
