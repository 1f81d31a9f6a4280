import { parse as parseYaml } from 'yaml';
import { MAX_SPEC_BYTES, readInputFile } from './input-file';
import { InvalidInputError, problemsOf } from './problems';
import { DeploySpecSchema, type DeploySpec } from './schema';

export { InvalidInputError, formatPath, problemsOf, type InputProblem } from './problems';

/** Validates a parsed spec object; throws {@link InvalidInputError} listing every problem. */
export function parseDeploySpec(raw: unknown, source = 'the deploy spec'): DeploySpec {
  const result = DeploySpecSchema.safeParse(raw);
  if (!result.success) throw new InvalidInputError(source, problemsOf(result.error));
  return result.data;
}

/**
 * Reads a YAML or JSON spec file (JSON is YAML) and validates it. Only a regular file of at most
 * {@link MAX_SPEC_BYTES} is read; anything else is a problem with the file, never a hang.
 */
export function loadDeploySpec(file: string): DeploySpec {
  const text = readInputFile(file, MAX_SPEC_BYTES);
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    // The parser's first line says what and where; the lines after it quote the file, which may hold secrets.
    const [what] = (error as Error).message.split('\n');
    throw new InvalidInputError(file, [{ path: '', message: `is not valid YAML or JSON: ${what.replace(/:$/, '')}` }]);
  }
  return parseDeploySpec(raw, file);
}
