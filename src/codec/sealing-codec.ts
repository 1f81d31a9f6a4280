import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { isSecretField } from '../contracts/secret-fields';
import type { CodecKeyring } from './keys';

/** The property an encrypted value is replaced by: `{"hybrid-deploy:sealed": "v1:<key id>:<base64>"}`. */
export const SEALED = 'hybrid-deploy:sealed';
/** Payload metadata marking a payload that holds sealed values (its encoding stays `json/plain`). */
export const SEALED_METADATA = 'hybrid-deploy-sealed';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A payload sealed with a key this process does not hold, or tampered with. */
export class UnsealError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsealError';
  }
}

/**
 * A Temporal payload codec that encrypts the secret, not the story: in each JSON payload it
 * replaces the values of secret-bearing fields ({@link isSecretField}: URLs, user commands,
 * command output) by AES-256-GCM envelopes, and leaves everything else — ids, versions, phases,
 * summaries — readable in the Web UI without a key. The newest key seals; every key unseals, so
 * keys rotate by appending one (and dropping an old one once no history still needs it).
 * Without keys it seals nothing, and a sealed payload cannot be read: it fails loudly, naming
 * the key id it needs.
 */
export class SealingCodec implements PayloadCodec {
  constructor(readonly keyring: CodecKeyring) {}

  /** Whether secrets are sealed (a key is configured). */
  get seals(): boolean {
    return this.keyring.keys.length > 0;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    if (!this.seals) return payloads;
    return payloads.map((payload) => {
      if (!isJson(payload) || payload.metadata?.[SEALED_METADATA]) return payload;
      let sealedAny = false;
      const value = walk(JSON.parse(decoder.decode(payload.data)), undefined, (key, parent, v) => {
        if (!isSecretField(key, parent) || v === undefined || v === null) return v;
        sealedAny = true;
        return { [SEALED]: this.seal(v) };
      });
      if (!sealedAny) return payload;
      return { ...payload, metadata: { ...payload.metadata, [SEALED_METADATA]: encoder.encode('v1') }, data: encoder.encode(JSON.stringify(value)) };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (!payload.metadata?.[SEALED_METADATA]) return payload;
      const value = walk(JSON.parse(decoder.decode(payload.data)), undefined, (_key, _parent, v) => (isEnvelope(v) ? this.unseal(v[SEALED]) : v));
      const metadata = { ...payload.metadata };
      delete metadata[SEALED_METADATA];
      return { ...payload, metadata, data: encoder.encode(JSON.stringify(value)) };
    });
  }

  private seal(value: unknown): string {
    const { id, key } = this.keyring.keys[this.keyring.keys.length - 1];
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(id));
    const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    return `v1:${id}:${Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64')}`;
  }

  private unseal(envelope: string): unknown {
    const [version, id, data] = envelope.split(':');
    const entry = this.keyring.keys.find((k) => k.id === id);
    if (version !== 'v1' || !data) throw new UnsealError('a sealed value is malformed');
    if (!entry) {
      throw new UnsealError(`a value is sealed with codec key ${JSON.stringify(id)}, which this process does not hold (${this.keyring.source}); add it to HYBRID_DEPLOY_CODEC_KEYS or the key file`);
    }
    const bytes = Buffer.from(data, 'base64');
    try {
      const decipher = createDecipheriv('aes-256-gcm', entry.key, bytes.subarray(0, 12));
      decipher.setAAD(Buffer.from(id));
      decipher.setAuthTag(bytes.subarray(bytes.length - 16));
      return JSON.parse(Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]).toString('utf8'));
    } catch {
      throw new UnsealError(`a value sealed with codec key ${JSON.stringify(id)} does not decrypt with it (a different key under the same id, or tampering)`);
    }
  }
}

function isJson(payload: Payload): boolean {
  return !!payload.data && decoder.decode(payload.metadata?.encoding ?? new Uint8Array()) === 'json/plain';
}

function isEnvelope(value: unknown): value is { [SEALED]: string } {
  return !!value && typeof value === 'object' && !Array.isArray(value) && typeof (value as Record<string, unknown>)[SEALED] === 'string' && Object.keys(value).length === 1;
}

type Visit = (key: string, parentKey: string | undefined, value: unknown) => unknown;

/** Rebuilds a JSON value, letting `visit` replace each property's value (a replaced value is not descended into). */
function walk(value: unknown, parentKey: string | undefined, visit: Visit): unknown {
  if (Array.isArray(value)) return value.map((item) => walk(item, parentKey, visit));
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const replaced = visit(key, parentKey, child);
    Object.defineProperty(out, key, { value: replaced === child ? walk(child, key, visit) : replaced, enumerable: true, writable: true, configurable: true });
  }
  return out;
}
