import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { DEFAULT_SANDBOX_CONFIG } from '../sandbox/default-config';
import { startLocalStack, type LocalStack } from '../harness/stack/local-stack';
import { packageRoot } from '../src/package-root';
import { buildExampleArtifact, EXAMPLE_SPEC_FILE, readExampleSpec } from '../examples/example-app';

/**
 * The main job (`npm run demo`): start the local stack, deploy the example app through the CLI
 * exactly as CI would, print where to look (per-region live URLs, a timeline report of each
 * deploy, the Web UI), and keep the stack up until Ctrl-C. A deploy that fails is explained: the
 * reason, what was undone, and what the demo does next.
 * `--exit --json`: stop after the deploys and print one JSON summary as the last output.
 */
const ROOT = packageRoot();
const SPEC = EXAMPLE_SPEC_FILE;
const APP = 'example-app';
const ENV = 'demo';
const CLIENT = join(ROOT, 'dist', 'src', 'client.js');
const REPORTS = join(ROOT, '.hybrid-deploy', 'reports');
const REGIONS: string[] = readExampleSpec().regions;

type Procedure = 'immutable' | 'partial' | 'mutable';

interface DeployPlan {
  procedure: Procedure;
  version: string;
  extraArgs?: string[];
  /** What the demo does when this deploy fails, and why. */
  onFailure: { next: 'stop' | 'continue'; why: string };
}

interface DeploySummary {
  procedure: Procedure;
  version: string;
  seconds: number;
  result: 'ok' | 'failed' | 'skipped';
  /** Per region, the load balancer URL, when it serves this version. */
  liveUrls: { region: string; url: string }[];
  runId?: string;
  /** The timeline report of the run (`hybrid-deploy report`), relative to the checkout. */
  report?: string;
  error?: string;
  compensation?: string[];
  next?: string;
}

/** The hybrid's point in three deploys: a full bake, a faster launch from it, a hotfix in place. */
const PLANS: DeployPlan[] = [
  { procedure: 'immutable', version: '1.0.0', onFailure: { next: 'stop', why: 'the partial and mutable deploys start from the image and the fleet it makes' } },
  { procedure: 'partial', version: '2.0.0', onFailure: { next: 'continue', why: 'the fleet of 1.0.0 is still live (the failed deploy put it back), and the mutable deploy updates it in place' } },
  { procedure: 'mutable', version: '3.0.0', extraArgs: ['--batch-size', '1', '--min-healthy', '1'], onFailure: { next: 'stop', why: 'it was the last deploy; the fleet is back on its previous release' } },
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
  for (const line of stack.recovered) say(`  recovered: ${line}`);
  say(`  Temporal:  ${stack.temporal.address}   Web UI: ${stack.temporal.uiUrl}`);
  say(`  sandbox:   ${stack.sandbox.endpoint}   realism: ${stack.sandbox.realism ? 'on (eventual consistency, races, SSM registration lag, throttling)' : 'off'}   logs: ${stack.logDir}`);

  const deploys: DeploySummary[] = [];
  let stopped = false;
  for (const plan of PLANS) {
    if (stopped) {
      deploys.push({ procedure: plan.procedure, version: plan.version, seconds: 0, result: 'skipped', liveUrls: [] });
      continue;
    }
    const summary = await deploy(stack, plan, say);
    deploys.push(summary);
    if (summary.result === 'failed') stopped = plan.onFailure.next === 'stop';
  }

  say('');
  for (const d of deploys) {
    const atAwsPace = profile === 'realistic' && d.result !== 'skipped' ? `  (~${(d.seconds / timeScale / 60).toFixed(0)} min at AWS's pace)` : '';
    say(`${d.procedure.padEnd(9)} ${d.version.padEnd(7)} ${d.result.padEnd(7)} ${d.seconds.toFixed(1).padStart(6)} s${atAwsPace}${d.report ? `  report: ${d.report}` : ''}`);
  }
  say(`Web UI:  ${stack.temporal.uiUrl}/namespaces/default/workflows?query=${encodeURIComponent(`DeployApp="${APP}"`)}`);
  for (const { region, url } of liveUrls(stack)) say(`live:    ${region.padEnd(10)} ${url}  (serving ${await servedVersion(url)})`);

  if (exitAfter) {
    await stack.stop();
    if (json) process.stdout.write(`${JSON.stringify({ realism: stack.sandbox.realism === true, deploys })}\n`);
    process.exitCode = deploys.every((d) => d.result === 'ok') ? 0 : 1;
    return;
  }
  say('\nThe stack stays up: open the Web UI, curl the load balancers, run more deploys:');
  say(`  export ${['TEMPORAL_ADDRESS', 'TEMPORAL_UI_URL', 'AWS_ENDPOINT_URL', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION'].map((k) => `${k}=${stack.env[k]}`).join(' ')}`);
  say('  sh examples/build-artifact.sh 3.0.1 .hybrid-deploy/artifacts');
  say(`  node dist/src/client.js deploy --procedure mutable --spec examples/deploy-spec.sandbox.yaml --env ${ENV} --version 3.0.1 \\`);
  say(`      --artifact file://${join(ROOT, '.hybrid-deploy', 'artifacts', 'example-app-3.0.1.tar.gz')} --wait`);
  say(`  node dist/src/client.js status ${APP} ${ENV}      node dist/src/client.js report ${APP} ${ENV} --out report.html`);
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

/** Runs the CLI against the stack; resolves with its exit code and stdout (its stderr goes to ours). */
function runCli(stack: LocalStack, args: string[], name: string): Promise<{ code: number; stdout: string }> {
  const child = spawn(process.execPath, [CLIENT, ...args], { env: stack.env, stdio: ['ignore', 'pipe', 'inherit'] });
  stack.track(name, child.pid);
  let stdout = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  return new Promise((resolveRun) => child.once('exit', (code) => resolveRun({ code: code ?? 1, stdout })));
}

async function deploy(stack: LocalStack, plan: DeployPlan, say: (line: string) => void): Promise<DeploySummary> {
  const { url: artifact, sha256 } = buildExampleArtifact(plan.version, join(ROOT, '.hybrid-deploy', 'artifacts'));
  say(`\n${plan.procedure} deploy of ${APP} ${plan.version}…`);
  const started = Date.now();
  const { code, stdout } = await runCli(
    stack,
    ['deploy', '--procedure', plan.procedure, '--spec', SPEC, '--env', ENV, '--version', plan.version, '--artifact', artifact, '--sha256', sha256, '--wait', '--json', ...(plan.extraArgs ?? [])],
    `cli deploy ${plan.procedure}`,
  );
  const seconds = Math.round((Date.now() - started) / 100) / 10;
  const output = parseJson(stdout);
  const runId = typeof output?.runId === 'string' ? output.runId : undefined;
  const report = runId ? await writeReport(stack, plan, runId, say) : undefined;
  const live: DeploySummary['liveUrls'] = [];
  for (const entry of liveUrls(stack)) if ((await servedVersion(entry.url)) === plan.version) live.push(entry);
  const summary: DeploySummary = { procedure: plan.procedure, version: plan.version, seconds, result: 'ok', liveUrls: live, ...(runId ? { runId } : {}), ...(report ? { report } : {}) };
  if (code === 0 && live.length === REGIONS.length) {
    for (const { region, url } of live) say(`  live in ${region.padEnd(10)} ${url}`);
    return summary;
  }
  // Say what went wrong, what was undone, and what happens next: the demo never fails silently.
  summary.result = 'failed';
  summary.error = code === 0
    ? `the deploy succeeded, but ${REGIONS.filter((r) => !live.some((l) => l.region === r)).join(', ')} does not serve ${plan.version}`
    : String(output?.error ?? output?.message ?? `the CLI exited with ${code} and no report`);
  if (Array.isArray(output?.compensation)) summary.compensation = output.compensation.map(String);
  summary.next = plan.onFailure.next === 'stop' ? `stopping here: ${plan.onFailure.why}` : `continuing: ${plan.onFailure.why}`;
  say(`  ${plan.procedure} deploy of ${plan.version} FAILED: ${summary.error}`);
  if (summary.compensation) say(`  undone: ${summary.compensation.length ? summary.compensation.join('; ') : 'nothing to undo'}`);
  say(`  look closer: node dist/src/client.js status ${APP} ${ENV}${report ? `, the timeline in ${report}` : ''}, logs in ${relative(ROOT, stack.logDir)}/`);
  say(`  ${summary.next}`);
  return summary;
}

/** Writes the run's timeline (`hybrid-deploy report`) under `.hybrid-deploy/reports/`; returns its path. */
async function writeReport(stack: LocalStack, plan: DeployPlan, runId: string, say: (line: string) => void): Promise<string | undefined> {
  const file = join(REPORTS, `${plan.procedure}-${plan.version}.svg`);
  const { code } = await runCli(stack, ['report', APP, ENV, '--run', runId, '--out', file], 'cli report');
  if (code !== 0) {
    say(`  (no timeline report: hybrid-deploy report exited with ${code})`);
    return undefined;
  }
  say(`  timeline: ${relative(ROOT, file)}`);
  return relative(ROOT, file);
}

/** The CLI's `--json` output: one (pretty-printed) JSON document. */
function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** The version a load balancer serves, or what went wrong asking it. */
async function servedVersion(url: string): Promise<string> {
  try {
    const body = await fetch(`${url}/health`, { signal: AbortSignal.timeout(5_000) }).then((r) => r.text());
    return (JSON.parse(body) as { version?: string }).version ?? 'no version';
  } catch (error) {
    return `nothing (${(error as Error).message})`;
  }
}

/** The load balancer URL of each region of the spec. */
function liveUrls(stack: LocalStack): { region: string; url: string }[] {
  const lbs = stack.sandbox.loadBalancers as Record<string, unknown>;
  return REGIONS.flatMap((region) => {
    const entry = lbs[region];
    const url = typeof entry === 'string' ? entry : entry && typeof entry === 'object' ? Object.values(entry as Record<string, string>)[0] : undefined;
    return url ? [{ region, url }] : [];
  });
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
