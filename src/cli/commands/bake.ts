import { Command } from 'commander';
import type { CommandContext } from '../context';
import { buildBakeRequest, type BakeFlags } from '../input/deploy-request-builder';
import { Flags, readFlags, type RawFlags } from '../options';
import { scheduleBake } from './bake-schedule';
import { runDeploy, type RunFlags } from './deploy';

/**
 * `hybrid-deploy bake …`: bake the image and copy it to every region, now (`--wait` to follow
 * it), or on a Temporal Schedule (`--schedule "0 3 * * *"`) so partial deploys always launch
 * from a freshly patched image. Running it again with `--schedule` updates the schedule.
 */
export function bakeCommand(ctx: CommandContext): Command {
  return new Command('bake')
    .description('bake the image and copy it to every region (no fleet changes), now or on a schedule')
    .addOption(Flags.spec())
    .addOption(Flags.env('the environment the images are tagged with, e.g. prod'))
    .addOption(Flags.version('the release baked into the image, e.g. 1.4.2'))
    .addOption(Flags.artifact())
    .addOption(Flags.sha256())
    .addOption(Flags.forceBake())
    .addOption(Flags.schedule())
    .addOption(Flags.timezone())
    .addOption(Flags.wait('wait for the bake to finish, showing progress on stderr'))
    .addOption(Flags.taskQueue())
    .action(async (raw: RawFlags<BakeFlags & RunFlags>) => {
      const { flags, problems } = readFlags(raw);
      const { request, schedule } = buildBakeRequest(flags, problems);
      ctx.finish(schedule ? await scheduleBake(ctx, request, schedule, flags) : await runDeploy(ctx, request, flags));
    });
}
