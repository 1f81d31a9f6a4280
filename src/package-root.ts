import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const PACKAGE_NAME = 'hybrid-deploy';

/**
 * The hybrid-deploy package this file belongs to, found by walking up to the package.json named
 * `hybrid-deploy`, so the same code works from the TypeScript sources (ts-jest) and from `dist/`.
 * Undefined when there is none (an installed CLI run from elsewhere may lack one).
 */
export function findPackageRoot(from = __dirname): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if (JSON.parse(readFileSync(manifest, 'utf8')).name === PACKAGE_NAME) return dir;
      } catch {
        // Not ours, or unreadable: keep walking.
      }
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/** {@link findPackageRoot}, for code that cannot run outside a checkout (the harness, the demo). */
export function packageRoot(from = __dirname): string {
  const root = findPackageRoot(from);
  if (!root) throw new Error(`${PACKAGE_NAME}'s package.json not found above ${from}`);
  return root;
}
