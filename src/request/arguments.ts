import { z } from 'zod';
import { artifactUrlProblem } from './artifact';

const ENV_NAME = /^[a-z][a-z0-9-]{0,30}$/;
/** Versions end up in paths, image names and tags, so they keep to a safe alphabet. */
const VERSION = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/;
const SHA256 = /^[0-9a-f]{64}$/;

/** The parts of a deploy request a person types on the command line. */
export const DeployArgumentsSchema = z.strictObject({
  env: z.string().regex(ENV_NAME, { error: (i) => `${JSON.stringify(i.input)} is not an environment name (lowercase, e.g. prod, staging)` }),
  version: z.string().regex(VERSION, { error: (i) => `${JSON.stringify(i.input)} is not a version (letters, digits, . _ + -, e.g. 1.4.2)` }),
  artifactUrl: z.string().superRefine((url, ctx) => {
    const problem = artifactUrlProblem(url);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
  sha256: z
    .string()
    .regex(SHA256, { error: (i) => `${JSON.stringify(i.input)} is not a sha256 (64 lowercase hex digits)` })
    .optional(),
});
export type DeployArguments = z.output<typeof DeployArgumentsSchema>;
