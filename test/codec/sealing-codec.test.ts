import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { codecFromEnv, CodecKeyError, parseCodecKeys, type SealingCodec, UnsealError } from '../../src/codec';
import { startCodecServer } from '../../src/codec/server';

const key = (id: string) => `${id}=${randomBytes(32).toString('base64')}`;
const codecWith = (keys: string) => codecFromEnv({ HYBRID_DEPLOY_CODEC_KEYS: keys });
const SECRET_URL = 'https://bucket.s3.amazonaws.com/app.tar.gz?X-Amz-Credential=AKIAEXAMPLE&X-Amz-Signature=0123456789abcdef';
const request = {
  procedure: 'immutable',
  env: 'prod',
  version: '1.4.2',
  artifact: { url: SECRET_URL, sha256: 'a'.repeat(64) },
  spec: { app: 'shop', regions: ['us-east-1'], postDeploy: ['curl -H "Authorization: Bearer tok-SPECSECRET" https://hooks.example/x'], service: { installDir: '/opt/shop', start: 'start --token SVCSECRET', stop: 'stop' } },
};
const text = (payloads: Payload[]) => payloads.map((p) => Buffer.from(p.data ?? []).toString('utf8')).join('\n');
const encode = (codec: SealingCodec, value: unknown) => codec.encode([defaultPayloadConverter.toPayload(value)]);
const decode = async (codec: SealingCodec, payloads: Payload[]) => defaultPayloadConverter.fromPayload((await codec.decode(payloads))[0]);

describe('the sealing payload codec', () => {
  it('seals the secret fields and leaves the story readable', async () => {
    const sealed = await encode(codecWith(key('k1')), request);
    const raw = text(sealed);
    for (const secret of ['X-Amz-Signature', 'AKIAEXAMPLE', 'SPECSECRET', 'SVCSECRET']) expect(raw).not.toContain(secret);
    const readable = JSON.parse(raw);
    expect(readable).toMatchObject({ procedure: 'immutable', env: 'prod', version: '1.4.2', artifact: { sha256: 'a'.repeat(64) }, spec: { app: 'shop', regions: ['us-east-1'], service: { installDir: '/opt/shop' } } });
    expect(readable.artifact.url).toEqual({ 'hybrid-deploy:sealed': expect.stringMatching(/^v1:k1:/) });
    // Still a JSON payload: the Web UI shows it without a codec.
    expect(Buffer.from(sealed[0].metadata!.encoding!).toString()).toBe('json/plain');
  });

  it('round-trips, and leaves payloads without secrets untouched', async () => {
    const codec = codecWith(key('k1'));
    expect(await decode(codec, await encode(codec, request))).toEqual(request);
    const plain = defaultPayloadConverter.toPayload({ phase: 'baking', version: '2' });
    expect((await codec.encode([plain]))[0]).toBe(plain);
    const summary = defaultPayloadConverter.toPayload('immutable deploy of shop 1.4.2 to prod');
    expect((await codec.encode([summary]))[0]).toBe(summary);
  });

  it('rotates: the newest key seals, every listed key unseals', async () => {
    const [old, current] = [key('2025'), key('2026')];
    const sealedWithOld = await encode(codecWith(old), request);
    const rotated = codecWith(`${old},${current}`);
    expect(await decode(rotated, sealedWithOld)).toEqual(request);
    expect(JSON.parse(text(await encode(rotated, request))).artifact.url['hybrid-deploy:sealed']).toMatch(/^v1:2026:/);
  });

  it('fails loudly, naming the key, where the key is missing or wrong; never seals without keys', async () => {
    const sealed = await encode(codecWith(key('k1')), request);
    await expect(codecWith(key('k2')).decode(sealed)).rejects.toThrow(/sealed with codec key "k1", which this process does not hold/);
    await expect(codecWith(key('k1')).decode(sealed)).rejects.toThrow(UnsealError);
    const none = codecFromEnv({});
    expect(none.seals).toBe(false);
    await expect(none.decode(sealed)).rejects.toThrow(/does not hold/);
    const payload = defaultPayloadConverter.toPayload(request);
    expect((await none.encode([payload]))[0]).toBe(payload);
  });

  it('reads a key file with comments, oldest first', () => {
    const [a, b] = [key('2026-01'), key('2027-01')];
    const ring = parseCodecKeys(`# codec keys, oldest first; the last one encrypts.\n${a}\n\n${b.replace('=', ' ')}  # rotated in 2027, see the runbook\n`, 'keys');
    expect(ring.keys.map((k) => k.id)).toEqual(['2026-01', '2027-01']);
  });

  it('refuses malformed keys without printing them', () => {
    for (const [keys, message] of [
      ['k1=c2hvcnQ=', /32 bytes/],
      ['=abc', /write id=base64key/],
      [`${key('a')},${key('a')}`, /used twice/],
    ] as const) {
      let error: unknown;
      try {
        parseCodecKeys(keys, 'HYBRID_DEPLOY_CODEC_KEYS');
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(CodecKeyError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain(keys.split(/[=,]/)[1] || '\u0000');
    }
  });
});

describe('the codec endpoint', () => {
  it("answers the Web UI's CORS preflight and decodes for an allowed origin", async () => {
    const codec = codecWith(key('k1'));
    const server = await startCodecServer(codec, { allowedOrigins: ['http://localhost:8233'] });
    try {
      const preflight = await fetch(`${server.url}/decode`, { method: 'OPTIONS', headers: { origin: 'http://localhost:8233', 'access-control-request-method': 'POST' } });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe('http://localhost:8233');
      expect(preflight.headers.get('access-control-allow-headers')).toContain('x-namespace');
      const sealed = await encode(codec, request);
      const body = { payloads: sealed.map((p) => ({ metadata: Object.fromEntries(Object.entries(p.metadata!).map(([k, v]) => [k, Buffer.from(v!).toString('base64')])), data: Buffer.from(p.data!).toString('base64') })) };
      const response = await fetch(`${server.url}/api/decode`, { method: 'POST', headers: { origin: 'http://localhost:8233', 'content-type': 'application/json', 'x-namespace': 'default' }, body: JSON.stringify(body) });
      expect(response.status).toBe(200);
      const decoded = (await response.json()) as { payloads: { data: string }[] };
      expect(JSON.parse(Buffer.from(decoded.payloads[0].data, 'base64').toString())).toEqual(request);
      const stranger = await fetch(`${server.url}/decode`, { method: 'OPTIONS', headers: { origin: 'http://evil.example' } });
      expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
      expect((await fetch(`${server.url}/decode`, { method: 'POST', body: 'not json' })).status).toBe(400);
    } finally {
      await server.close();
    }
  });
});
