import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { codecFromEnv, sealingDataConverter, type SealingCodec } from '../../src/codec';
import type { DataConverter } from '@temporalio/common';

/** A fresh codec keyring in `HYBRID_DEPLOY_CODEC_KEYS` form (`id=base64key`), for a throwaway world. */
export function newCodecKeys(id = 'local'): string {
  return `${id}=${randomBytes(32).toString('base64')}`;
}

/**
 * The key file of a persistent local stack: created once (mode 0600) and kept with its Temporal
 * store, so the history of earlier runs stays readable. Returns its path.
 */
export function ensureCodecKeyFile(file: string): string {
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `# hybrid-deploy payload codec keys, oldest first; the last one encrypts.\n${newCodecKeys()}\n`, { mode: 0o600 });
  }
  return file;
}

/** The codec and data converter for keys in `HYBRID_DEPLOY_CODEC_KEYS` form. */
export function codecOf(keys: string): { codec: SealingCodec; dataConverter: DataConverter } {
  const codec = codecFromEnv({ HYBRID_DEPLOY_CODEC_KEYS: keys });
  return { codec, dataConverter: sealingDataConverter(codec) };
}
