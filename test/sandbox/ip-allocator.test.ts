import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DescribeInstancesCommand, EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { BASE_IMAGE_IDS, startSandbox, type RunningSandbox } from '../../sandbox';
import { IP_LOCK_DIR } from '../../sandbox/host/ip-allocator';

const SANDBOX_CLI = join(__dirname, '..', '..', 'dist', 'sandbox', 'cli.js');
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

/** Polls until `check` holds (bounded by the jest timeout); no fixed sleeps. */
async function until<T>(what: string, check: () => Promise<T | undefined>, attempts = 300): Promise<T> {
  for (let i = 0; i < attempts; i++) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

async function answer(url: string): Promise<string> {
  try {
    return await (await fetch(url, { signal: AbortSignal.timeout(2_000) })).text();
  } catch (error) {
    return `error: ${(error as Error).cause ? String((error as Error & { cause: { code?: string } }).cause.code) : (error as Error).message}`;
  }
}

async function launch(endpoint: string): Promise<{ id: string; ip: string }> {
  const ec2 = new EC2Client({ endpoint, region: 'us-east-1', credentials });
  try {
    const { Instances } = await ec2.send(new RunInstancesCommand({ ImageId: BASE_IMAGE_IDS['us-east-1'], MinCount: 1, MaxCount: 1 }));
    const id = Instances![0].InstanceId!;
    const ip = Instances![0].PrivateIpAddress!;
    await until(`${id} running`, async () => {
      const { Reservations } = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
      return Reservations?.[0].Instances?.[0].State?.Name === 'running' ? true : undefined;
    });
    return { id, ip };
  } finally {
    ec2.destroy();
  }
}

/** Starts a web server on the instance's own address, as an app would: a daemon that outlives the command. */
async function serveOn(endpoint: string, instance: { id: string; ip: string }, text: string): Promise<void> {
  const ssm = new SSMClient({ endpoint, region: 'us-east-1', credentials });
  const server = `require('http').createServer((q, s) => s.end('${text}')).listen(8080, process.env.PRIVATE_IP)`;
  try {
    await ssm.send(new SendCommandCommand({ DocumentName: 'AWS-RunShellScript', InstanceIds: [instance.id], Parameters: { commands: [`nohup node -e "${server}" >/dev/null 2>&1 &`] } }));
  } finally {
    ssm.destroy();
  }
  await until(`${text} on ${instance.ip}:8080`, async () => ((await answer(`http://${instance.ip}:8080/`)) === text ? true : undefined));
}

/** Pids of processes whose environment says they are an instance with this address. */
function processesWithIp(ip: string): number[] {
  const needle = `\0PRIVATE_IP=${ip}\0`;
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .filter((e) => {
      try {
        return `\0${readFileSync(`/proc/${e}/environ`, 'latin1')}`.includes(needle);
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('instance addresses across sandboxes', () => {
  let predecessor: ChildProcess | undefined;
  let sandbox: RunningSandbox | undefined;
  let blocker: Server | undefined;

  afterAll(async () => {
    predecessor?.kill('SIGKILL');
    blocker?.close();
    await sandbox?.stop();
  });

  it("cleans up a killed sandbox's instance processes and lock file, and never hands out an address still in use", async () => {
    if (!existsSync(SANDBOX_CLI)) throw new Error(`${SANDBOX_CLI} is missing: run npm run build (npm test does it first)`);
    // 1. A sandbox in its own process, with an instance serving on its private address.
    predecessor = spawn(process.execPath, [SANDBOX_CLI, '--profile', 'instant'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const firstLine = await new Promise<string>((resolve, reject) => {
      createInterface({ input: predecessor!.stdout! }).once('line', resolve);
      predecessor!.once('exit', (code) => reject(new Error(`the sandbox exited (${code}) before printing its endpoint`)));
    });
    const { endpoint } = JSON.parse(firstLine) as { endpoint: string };
    const old = await launch(endpoint);
    await serveOn(endpoint, old, 'old');
    const block = old.ip.split('.').slice(0, 3).join('.');
    expect(readFileSync(join(IP_LOCK_DIR, block), 'utf8').trim()).toBe(String(predecessor.pid));

    // 2. Killed without a chance to clean up: its instance's server lives on, holding the address.
    predecessor.kill('SIGKILL');
    await new Promise((resolve) => predecessor!.once('exit', resolve));
    expect(await answer(`http://${old.ip}:8080/`)).toBe('old');

    // 3. The next sandbox removes what its dead predecessor left before it hands out an address.
    sandbox = await startSandbox({ profile: 'instant' });
    const first = await launch(sandbox.endpoint);
    await until(`the dead sandbox's server on ${old.ip} to be gone`, async () => (processesWithIp(old.ip).length === 0 ? true : undefined));
    expect(await answer(`http://${old.ip}:8080/`)).toMatch(/^error: /);
    const lock = join(IP_LOCK_DIR, block);
    expect(existsSync(lock) ? readFileSync(lock, 'utf8').trim() : 'removed').not.toBe(String(predecessor.pid));
    await serveOn(sandbox.endpoint, first, 'new');

    // 4. An address something else listens on (here: this test) is skipped, never handed out.
    const [prefix, last] = [first.ip.split('.').slice(0, 3).join('.'), Number(first.ip.split('.')[3])];
    const taken = `${prefix}.${last + 1}`;
    blocker = createServer((_q, s) => s.end('squatter'));
    await new Promise<void>((resolve) => blocker!.listen(0, taken, resolve));
    const second = await launch(sandbox.endpoint);
    expect(second.ip).not.toBe(taken);
    await serveOn(sandbox.endpoint, second, 'second');
  });
});
