import { Command } from 'commander';
import type { CommandContext } from '../context';
import { ExitCode } from '../exit-codes';
import { Flags, readFlags, type RawFlags } from '../options';
import { housekeepingInput, readCatalogFlags, runHousekeepingNow, type CatalogFlags } from './housekeeping-run';

/**
 * `hybrid-deploy images --spec F [--json]`: the app's image catalog in every region of the spec,
 * with each image's age, version, bake key and size, and whether the spec's retention policy
 * keeps it or would remove it, and why. Removes nothing.
 */
export function imagesCommand(ctx: CommandContext): Command {
  return new Command('images')
    .description("list the app's images per region: age, version, bake key, size, and why the retention policy keeps each or would remove it")
    .addOption(Flags.spec("the deploy spec (its app, regions and retention are used)"))
    .addOption(Flags.now())
    .addOption(Flags.taskQueue())
    .action(async (raw: RawFlags<CatalogFlags>) => {
      const { flags, problems } = readFlags(raw);
      const { spec, now } = readCatalogFlags(flags, problems, 'listing');
      const { link, report, failed } = await runHousekeepingNow(ctx, housekeepingInput(spec, { listOnly: true, now }), flags.taskQueue);
      ctx.finish(failed ?? { exitCode: ExitCode.OK, result: { kind: 'images-listed', ...link, app: spec.app, policy: spec.retention, report: report! } });
    });
}
