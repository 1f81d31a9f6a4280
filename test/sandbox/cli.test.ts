import { exec } from '../../sandbox/cli';
import { startSandbox, type RunningSandbox } from '../../sandbox';

describe('sandbox CLI', () => {
  it('prints one JSON object first, then the environment to export, and stops on the signal', async () => {
    const out: string[] = [];
    let started: RunningSandbox | undefined;
    let stop!: (signal: string) => void;
    const running = exec(['--profile', 'instant', '--time-scale', '0.5'], {
      start: async (options) => (started = await startSandbox(options)),
      out: (line) => out.push(line),
      err: () => undefined,
      untilStopSignal: () => new Promise((resolve) => (stop = resolve)),
    });
    for (let i = 0; i < 100 && out.length < 3; i++) await new Promise((r) => setTimeout(r, 20));
    const first = JSON.parse(out[0]) as { endpoint: string; controlUrl: string; loadBalancers: Record<string, Record<string, string>> };
    expect(first.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(first.controlUrl).toBe(`${first.endpoint}/_sandbox`);
    expect(Object.keys(first.loadBalancers)).toEqual(['us-east-1', 'us-west-2', 'eu-west-1']);
    expect(out.join('\n')).toContain(`export AWS_ENDPOINT_URL=${first.endpoint} AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1`);
    expect((await fetch(`${first.controlUrl}/health`)).status).toBe(200);
    stop('SIGTERM');
    expect(await running).toBe(0);
    await expect(fetch(`${first.controlUrl}/health`)).rejects.toThrow();
    await started?.stop();
  });

  it('rejects a bad flag before starting anything', async () => {
    const start = jest.fn();
    const code = await exec(['--profile', 'warp'], { start, out: () => undefined, err: () => undefined, untilStopSignal: () => new Promise(() => undefined) });
    expect(code).not.toBe(0);
    expect(start).not.toHaveBeenCalled();
  });
});
