import type { CliDeps } from '../deps';
import type { GlobalOptions } from '../options';
import { JsonRenderer } from './json-renderer';
import type { Renderer } from './renderer';
import { TextRenderer } from './text-renderer';

/**
 * The renderer for this run, chosen by flags and then the environment. `--json` always wins.
 * This is where a renderer for a CI system (GitHub Actions: `::group::`, `::error::`, a
 * `$GITHUB_STEP_SUMMARY` table, chosen by `GITHUB_ACTIONS=true`) or a live progress display
 * (when stderr is a TTY and `CI` is unset) plugs in: each implements {@link Renderer} over the
 * same results and progress events.
 */
export function selectRenderer(options: GlobalOptions, deps: CliDeps): Renderer {
  const settings = { debug: options.debug ?? false };
  return options.json ? new JsonRenderer(deps, settings) : new TextRenderer(deps, settings);
}
