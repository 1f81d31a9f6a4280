import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The hybrid-deploy checkout this file belongs to, found by walking up to its package.json,
 * so the same code works from the TypeScript sources and from `dist/`.
 */
export function projectRoot(from = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'hybrid-deploy') return dir;
    if (dirname(dir) === dir) throw new Error(`hybrid-deploy's package.json not found above ${from}`);
  }
}
