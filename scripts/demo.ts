import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DEFAULT_SANDBOX_CONFIG } from '../sandbox/default-config';
import { startLocalStack, type LocalStack } from '../harness/stack/local-stack';
import { packageRoot } from '../src/package-root';
import { buildExampleArtifact, EXAMPLE_SPEC_FILE } from '../examples/example-app';

/**
 * The main job (`npm run demo`): start the local stack, deploy the example app through the CLI
 * exactly as CI would, print where to look, and keep the stack up until Ctrl-C.
 * `--exit --json`: stop after the deploys and print one JSON summary as the last output.
 */
const ROOT = packageRoot();
const SPEC = EXAMPLE_SPEC_FILE;
const APP = 'example-app';
const ENV = 'demo';

interface DeployPlan {
  procedure: 'immutable' | 'partial' | 'mutable';
  version: string;
  extraArgs?: string[];
}

interface DeploySummary {
  procedure: DeployPlan['procedure'];
  version: string;
  seconds: number;
  result: 'ok' | 'failed';
  liveUrls: string[];
  error?: string;
}

/** The hybrid's point in three deploys: a full bake, a faster launch from it, a hotfix in place. */
const PLANS: DeployPlan[] = [
  { procedure: 'immutable', version: '1.0.0' },
  { procedure: 'partial', version: '2.0.0' },
  { procedure: 'mutable', version: '3.0.0', extraArgs: ['--batch-size', '1', '--min-healthy', '1'] },
];

function valueOf(flag: string): string | undefined {
  const argv = process.argv.slice(2);
  const at = argv.indexOf(flag);
  return at >= 0 ? argv[at + 1] : undefined;
}

async function main(): Promise<void> {
  const args = new Set(process.argv.slice(2));
  const json = args.has('--json');
  const exitAfter = args.has('--exit');
  // With --json, stdout carries exactly the summary; everything for people goes to stderr.
  const say = (line: string) => (json ? process.stderr : process.stdout).write(`${line}\n`);

  // `realistic` keeps AWS's proportions (a bake and a copy take many times a launch), scaled down.
  const timeScale = Number(valueOf('--time-scale') ?? 0.02);
  const profile = (valueOf('--profile') ?? 'realistic') as 'fast' | 'realistic';
  say(`starting the local stack (Temporal dev server + Web UI, AWS sandbox [${profile}${profile === 'realistic' ? ` x${timeScale}` : ''}], worker)…`);
  const stack = await startLocalStack({
    profile,
    timeScale: profile === 'realistic' ? timeScale : undefined,
    sandboxConfigFile: profile === 'realistic' ? hotfixReadyWorld(timeScale) : undefined,
  });
  const stopping = () => {
    void stack.stop().then(() => process.exit(130));
  };
  process.once('SIGINT', stopping);
  process.once('SIGTERM', stopping);
  say(`  Temporal:  ${stack.temporal.address}   Web UI: ${stack.temporal.uiUrl}`);
  say(`  sandbox:   ${stack.sandbox.endpoint}   logs: ${stack.logDir}`);

  await terminateStaleDemo(stack);
  const deploys: DeploySummary[] = [];
  for (const plan of PLANS) {
    deploys.push(await deploy(stack, plan, say));
    if (deploys.at(-1)!.result !== 'ok') break;
  }

  say('');
  for (const d of deploys) {
    const atAwsPace = profile === 'realistic' ? `  (~${(d.seconds / timeScale / 60).toFixed(0)} min at AWS's pace)` : '';
    say(`${d.procedure.padEnd(9)} ${d.version.padEnd(7)} ${d.result.padEnd(6)} ${d.seconds.toFixed(1).padStart(6)} s${atAwsPace}  ${d.error ?? ''}`);
  }
  say(`Web UI:  ${stack.temporal.uiUrl}/namespaces/default/workflows?query=${encodeURIComponent(`DeployApp="${APP}"`)}`);
  for (const url of deploys.at(-1)?.liveUrls ?? []) say(`live:    ${url}`);

  if (exitAfter) {
    await stack.stop();
    if (json) process.stdout.write(`${JSON.stringify({ deploys })}\n`);
    process.exitCode = deploys.every((d) => d.result === 'ok') ? 0 : 1;
    return;
  }
  say('\nThe stack stays up: open the Web UI, curl the load balancers, run more deploys:');
  say(`  export ${['TEMPORAL_ADDRESS', 'TEMPORAL_UI_URL', 'AWS_ENDPOINT_URL', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION'].map((k) => `${k}=${stack.env[k]}`).join(' ')}`);
  say('  sh examples/build-artifact.sh 3.0.1 .hybrid-deploy/artifacts');
  say(`  node dist/src/client.js deploy --procedure mutable --spec examples/deploy-spec.sandbox.yaml --env ${ENV} --version 3.0.1 \\`);
  say(`      --artifact file://${join(ROOT, '.hybrid-deploy', 'artifacts', 'example-app-3.0.1.tar.gz')} --wait`);
  say('Ctrl-C stops everything.');
}

/**
 * The default world with its target groups tuned as teams tune them for fast rollouts: a 30 s
 * deregistration delay and 10 s health checks, healthy after 2 (AWS's defaults are 300 s and
 * 30 s × 5, which make every procedure wait minutes on the load balancer alone).
 */
function hotfixReadyWorld(timeScale: number): string {
  const config = {
    ...DEFAULT_SANDBOX_CONFIG,
    regions: DEFAULT_SANDBOX_CONFIG.regions.map((region) => ({
      ...region,
      targetGroups: region.targetGroups?.map((group) => ({
        ...group,
        deregistrationDelayMs: Math.round(30_000 * timeScale),
        healthCheckIntervalMs: Math.max(10, Math.round(10_000 * timeScale)),
        healthyThreshold: 2,
      })),
    })),
  };
  const file = join(ROOT, '.hybrid-deploy', 'sandbox-demo-world.json');
  mkdirSync(join(ROOT, '.hybrid-deploy'), { recursive: true });
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

/** A deploy left running by an earlier, interrupted demo points at a sandbox that is gone. */
async function terminateStaleDemo(stack: LocalStack): Promise<void> {
  const connection = await Connection.connect({ address: stack.temporal.address });
  try {
    const handle = new Client({ connection }).workflow.getHandle(`deploy/${APP}/${ENV}`);
    const { status } = await handle.describe().catch(() => ({ status: { name: 'NONE' } }));
    if (status.name === 'RUNNING') await handle.terminate('stale: started by an earlier demo whose sandbox is gone');
  } finally {
    await connection.close();
  }
}

async function deploy(stack: LocalStack, plan: DeployPlan, say: (line: string) => void): Promise<DeploySummary> {
  const { url: artifact, sha256 } = buildExampleArtifact(plan.version, join(ROOT, '.hybrid-deploy', 'artifacts'));
  say(`\n${plan.procedure} deploy of ${APP} ${plan.version}…`);
  const started = Date.now();
  const args = [
    join(ROOT, 'dist', 'src', 'client.js'), 'deploy', '--procedure', plan.procedure, '--spec', SPEC, '--env', ENV,
    '--version', plan.version, '--artifact', artifact, '--sha256', sha256, '--wait', '--json', ...(plan.extraArgs ?? []),
  ];
  const child = spawn(process.execPath, args, { env: stack.env, stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  const code = await new Promise<number>((resolveCode) => child.once('exit', (c) => resolveCode(c ?? 1)));
  const seconds = (Date.now() - started) / 1000;
  const output = parseLastJson(stdout);
  const liveUrls = await liveUrlsServing(stack, plan.version);
  return {
    procedure: plan.procedure,
    version: plan.version,
    seconds: Math.round(seconds * 10) / 10,
    result: code === 0 && liveUrls.length > 0 ? 'ok' : 'failed',
    liveUrls,
    ...(code === 0 ? {} : { error: String(output?.error ?? `the CLI exited with ${code}`) }),
  };
}

function parseLastJson(text: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(text.trim().split('\n').pop() ?? '');
  } catch {
    return undefined;
  }
}

/** The load balancer URLs of the spec's regions that answer with the deployed version. */
async function liveUrlsServing(stack: LocalStack, version: string): Promise<string[]> {
  const urls = loadBalancerUrls(stack);
  const serving: string[] = [];
  for (const url of urls) {
    const body = await fetch(`${url}/health`, { signal: AbortSignal.timeout(5_000) }).then((r) => r.text()).catch(() => '');
    if (body.includes(`"version":"${version}"`)) serving.push(url);
  }
  return serving;
}

function loadBalancerUrls(stack: LocalStack): string[] {
  const regions = ['us-east-1', 'us-west-2'];
  const lbs = stack.sandbox.loadBalancers as Record<string, unknown>;
  return regions.flatMap((region) => {
    const entry = lbs[region];
    if (typeof entry === 'string') return [entry];
    if (entry && typeof entry === 'object') return Object.values(entry as Record<string, string>).slice(0, 1);
    return [];
  });
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
