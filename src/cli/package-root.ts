import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The hybrid-deploy package this file belongs to, found by walking up to the package.json named
 * `hybrid-deploy`, so the same code works from `src/` (ts-jest) and from `dist/src/`.
 */
export function packageRoot(from = __dirname): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if (JSON.parse(readFileSync(manifest, 'utf8')).name === 'hybrid-deploy') return dir;
      } catch {
        // Not ours, or unreadable: keep walking.
      }
    }
    if (dirname(dir) === dir) return undefined;
  }
}
