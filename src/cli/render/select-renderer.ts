import type { CliDeps } from '../deps';
import type { GlobalOptions } from '../options';
import { GitHubActionsRenderer } from './github-actions-renderer';
import { JsonRenderer } from './json-renderer';
import { LiveRenderer } from './live-renderer';
import type { Renderer } from './renderer';
import { TextRenderer } from './text-renderer';

/**
 * The renderer for this run, chosen by flags and then the environment, no flag needed: `--json`
 * always makes stdout one JSON document; in a GitHub Actions job (`GITHUB_ACTIONS=true`) the
 * output also carries groups, annotations and a job summary; at a terminal (stderr a TTY, `CI`
 * unset) progress is drawn in place; anywhere else progress is plain lines, one at least every
 * 30 s while a deploy runs.
 */
export function selectRenderer(options: GlobalOptions, deps: CliDeps): Renderer {
  const settings = { debug: options.debug ?? false };
  const live = deps.terminal !== undefined && !deps.env.CI;
  const base = options.json ? new JsonRenderer(deps, settings) : live ? new LiveRenderer(deps, settings) : new TextRenderer(deps, settings);
  return deps.env.GITHUB_ACTIONS === 'true' ? new GitHubActionsRenderer(base, deps) : base;
}
