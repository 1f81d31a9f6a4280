import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkHealth } from '../../src/activities/smoke-test';
import type { SmokeTestInput } from '../../src/contracts';

/** The smoke test's one check against a real HTTP server answering as an app would. */
describe('the smoke test version check', () => {
  let server: Server;
  let port: number;
  let answer: { headers: Record<string, string>; body: string } = { headers: {}, body: '' };

  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.writeHead(200, answer.headers);
      res.end(answer.body);
    });
    port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
  });
  afterAll(() => server.close());

  const check = async (version: string, served: typeof answer) => {
    answer = served;
    const input: SmokeTestInput = {
      region: 'us-east-1',
      targets: [{ instanceId: 'i-0123456789abcdef2', privateIp: '127.0.0.1' }],
      healthCheck: { port, path: '/health', expectedStatus: 200, requireVersion: true, timeoutSeconds: 5 },
      version,
    };
    return checkHealth(input.targets[0], input);
  };
  const json = (version: string) => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 'ok', version, instanceId: 'i-0123456789abcdef2' }) });

  it.each([
    ['2', '1.0.1'],
    ['1.0', '1.0.1'],
    ['1.0.1', '1.0.10'],
    ['0.1', '1.0.1'],
  ])('fails version %s against an app serving %s (a substring is not a match)', async (deployed, served) => {
    const seen = await check(deployed, json(served));
    expect(seen.ok).toBe(false);
    expect(seen.detail).toContain(`reports version "${served}", expected "${deployed}"`);
  });

  it('passes the exact version, from the JSON body or from the X-App-Version header', async () => {
    expect((await check('1.0.1', json('1.0.1'))).ok).toBe(true);
    expect((await check('2.0.0', { headers: { 'x-app-version': '2.0.0' }, body: 'OK, running 1.0.0 and 2.0.0 side by side' })).ok).toBe(true);
    expect((await check('2.0.0', { headers: { 'x-app-version': '2.0.0-rc1' }, body: '{"version":"2.0.0"}' })).ok).toBe(false);
  });

  it('fails an app that does not report its version, saying how to', async () => {
    const seen = await check('1.0.1', { headers: {}, body: 'ok 1.0.1' });
    expect(seen).toMatchObject({ ok: false, detail: expect.stringContaining('does not report its version (a JSON body with a "version" field, or an X-App-Version header)') });
  });
});
