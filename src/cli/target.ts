import { DeploySpecSchema } from '../request/schema';
import { DeployArgumentsSchema } from '../request/arguments';
import { invalidInput } from './errors';

/** Checks the `<app> <env>` arguments of `status` and `cancel` (exit 2 before any call). */
export function checkTarget(app: string, env: string): void {
  const problems = [];
  const appResult = DeploySpecSchema.shape.app.safeParse(app);
  if (!appResult.success) problems.push({ path: '<app>', message: appResult.error.issues[0].message });
  const envResult = DeployArgumentsSchema.shape.env.safeParse(env);
  if (!envResult.success) problems.push({ path: '<env>', message: envResult.error.issues[0].message });
  if (problems.length) throw invalidInput(`not a deploy name`, problems);
}
