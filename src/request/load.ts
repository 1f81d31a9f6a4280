import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { DeploySpecSchema, type DeploySpec } from './schema';

/** One problem with an input, with the path of the field it concerns. */
export interface InputProblem {
  path: string;
  message: string;
}

/** Bad input: every problem at once, so a person fixes them in one go. Nothing was started. */
export class InvalidInputError extends Error {
  constructor(
    readonly source: string,
    readonly problems: InputProblem[],
  ) {
    super(`${source} is invalid:\n${problems.map((p) => `  ${p.path ? `${p.path}: ` : ''}${p.message}`).join('\n')}`);
    this.name = 'InvalidInputError';
  }
}

/** Renders a zod path the way people write it: `regions[1]`, `regionSettings.us-east-1.subnetIds[0]`. */
export function formatPath(path: PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), '');
}

/** Turns zod issues into problems, naming each field. */
export function problemsOf(error: z.ZodError): InputProblem[] {
  return error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
}

/** Validates a parsed spec object; throws {@link InvalidInputError} listing every problem. */
export function parseDeploySpec(raw: unknown, source = 'the deploy spec'): DeploySpec {
  const result = DeploySpecSchema.safeParse(raw);
  if (!result.success) throw new InvalidInputError(source, problemsOf(result.error));
  return result.data;
}

/** Reads a YAML or JSON spec file (JSON is YAML) and validates it. */
export function loadDeploySpec(file: string): DeploySpec {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new InvalidInputError(file, [{ path: '', message: `cannot be read: ${(error as Error).message}` }]);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new InvalidInputError(file, [{ path: '', message: `is not valid YAML or JSON: ${(error as Error).message}` }]);
  }
  return parseDeploySpec(raw, file);
}
