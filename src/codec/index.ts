/**
 * The payload codec every Temporal client and worker of hybrid-deploy uses, so secrets given on
 * the command line or in a spec are sealed in workflow history ({@link SealingCodec}), and the
 * codec endpoint that lets the Web UI show them to people who hold the key.
 */
import type { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { codecKeysFromEnv } from './keys';
import { SealingCodec } from './sealing-codec';

export { CODEC_KEY_FILE_ENV, CODEC_KEYS_ENV, CodecKeyError, codecKeysFromEnv, parseCodecKeys, type CodecKey, type CodecKeyring } from './keys';
export { SEALED, SEALED_METADATA, SealingCodec, UnsealError } from './sealing-codec';

/** The codec from the environment's keys (none configured: seals nothing). Throws CodecKeyError on a bad key. */
export function codecFromEnv(env: NodeJS.ProcessEnv): SealingCodec {
  return new SealingCodec(codecKeysFromEnv(env));
}

/** A data converter with the codec, for `new Client({ dataConverter })` and `Worker.create({ dataConverter })`. */
export function sealingDataConverter(codec: SealingCodec): DataConverter {
  return { payloadCodecs: [codec] };
}

/** Whether a client seals secrets before they reach Temporal (its data converter has a keyed codec). */
export function clientSealsSecrets(client: Client): boolean {
  return client.options.loadedDataConverter.payloadCodecs.some((codec) => codec instanceof SealingCodec && codec.seals);
}
