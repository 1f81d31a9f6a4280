import { readFileSync } from 'node:fs';

/** One encryption key: an id (recorded beside what it sealed) and 32 bytes for AES-256-GCM. */
export interface CodecKey {
  id: string;
  key: Buffer;
}

/** The keys a process holds, oldest first: the last one seals, every one unseals. */
export interface CodecKeyring {
  keys: CodecKey[];
  /** Where they came from, for messages (never the keys themselves). */
  source: string;
}

/** `HYBRID_DEPLOY_CODEC_KEYS`: `id=base64key` entries separated by commas or newlines, oldest first. */
export const CODEC_KEYS_ENV = 'HYBRID_DEPLOY_CODEC_KEYS';
/** `HYBRID_DEPLOY_CODEC_KEY_FILE`: a file of `id=base64key` lines (or `id base64key`), oldest first; `#` comments. */
export const CODEC_KEY_FILE_ENV = 'HYBRID_DEPLOY_CODEC_KEY_FILE';

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
const MAX_KEY_FILE_BYTES = 64 * 1024;

/** Bad key configuration. The message names the entry by position and id, never a key's bytes. */
export class CodecKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CodecKeyError';
  }
}

/** Parses key entries (`id=base64` or `id base64`, one per line or comma). */
export function parseCodecKeys(text: string, source: string): CodecKeyring {
  // Comments end at the line's end (they may hold commas); then entries split on lines and commas.
  const entries = text
    .split('\n')
    .flatMap((line) => line.replace(/#.*$/, '').split(','))
    .map((entry) => entry.trim())
    .filter(Boolean);
  const keys: CodecKey[] = [];
  entries.forEach((entry, index) => {
    const [, id, encoded] = /^([^=\s]+)\s*(?:=|\s)\s*(\S+)$/.exec(entry) ?? [];
    const where = `${source}, entry ${index + 1}${id && KEY_ID.test(id) ? ` (${id})` : ''}`;
    if (!id || !KEY_ID.test(id) || !encoded) throw new CodecKeyError(`${where}: write id=base64key (id: 1-64 of A-Z a-z 0-9 . _ -)`);
    const key = Buffer.from(encoded, 'base64');
    if (key.length !== 32 || key.toString('base64').replace(/=+$/, '') !== encoded.replace(/=+$/, '')) {
      throw new CodecKeyError(`${where}: the key must be 32 bytes in base64 (make one with: openssl rand -base64 32)`);
    }
    if (keys.some((k) => k.id === id)) throw new CodecKeyError(`${where}: the id ${id} is used twice`);
    keys.push({ id, key });
  });
  return { keys, source };
}

/**
 * The keyring from the environment: `HYBRID_DEPLOY_CODEC_KEYS`, else the file named by
 * `HYBRID_DEPLOY_CODEC_KEY_FILE`, else none (nothing can be sealed; sealed payloads cannot be read).
 */
export function codecKeysFromEnv(env: NodeJS.ProcessEnv): CodecKeyring {
  const inline = env[CODEC_KEYS_ENV];
  if (inline) return parseCodecKeys(inline, CODEC_KEYS_ENV);
  const file = env[CODEC_KEY_FILE_ENV];
  if (!file) return { keys: [], source: `neither ${CODEC_KEYS_ENV} nor ${CODEC_KEY_FILE_ENV} is set` };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CodecKeyError(`${CODEC_KEY_FILE_ENV}=${file} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  if (text.length > MAX_KEY_FILE_BYTES) throw new CodecKeyError(`${CODEC_KEY_FILE_ENV}=${file} is larger than ${MAX_KEY_FILE_BYTES} bytes`);
  return parseCodecKeys(text, file);
}
