import type { z } from 'zod';

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
