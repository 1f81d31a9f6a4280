/**
 * The AWS sandbox: a local EC2 + SSM + ELBv2 emulator that the unmodified AWS SDK v3 clients and
 * the AWS CLI talk to. Start one with `startSandbox()`; point clients at `endpoint`.
 *
 * @example
 * const sandbox = await startSandbox({ profile: 'instant' });
 * const ec2 = new EC2Client({ endpoint: sandbox.endpoint, region: 'us-east-1',
 *   credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
 * // …
 * await sandbox.stop();
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import pino from 'pino';
import { resolveTimings, type ProfileName, type Timings } from './config/profiles';
import { resolveRealism, type Realism, type RealismOverrides } from './config/realism';
import { parseSandboxConfig, type SandboxConfigInput } from './config/schema';
import { SandboxControl } from './control/client';
import * as defaults from './default-config';
import { killAllSandboxProcesses } from './ec2/instance-lifecycle';
import { LoadBalancers } from './elbv2/load-balancers';
import { createSandbox } from './sandbox';
import { makeLocalCertificate } from './host/tls-certificate';
import { listen } from './server';
import { SandboxState, type SandboxLogger } from './state/sandbox-state';

export { createSandbox } from './sandbox';
export { SandboxControl } from './control/client';
export type { ResourceListing, InstanceSummary } from './control/resources';
export { PROFILES, resolveTimings, ProfileName, type Timings } from './config/profiles';
export { parseSandboxConfig, loadSandboxConfigFile, type SandboxConfig, type SandboxConfigInput } from './config/schema';
export { PROFILE_REALISM, REALISM_OFF, resolveRealism, type Realism, type RealismOverrides, type CapacityShortage } from './config/realism';
export * from './default-config';

/** Options of `startSandbox`. Every field is optional. */
export interface StartSandboxOptions {
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** The world; default `DEFAULT_SANDBOX_CONFIG`. */
  config?: SandboxConfigInput;
  /** Overrides the config's profile. */
  profile?: ProfileName;
  /** Overrides the config's time scale (multiplies every profile duration). */
  timeScale?: number;
  /** Per-field timing overrides, absolute ms (after scaling); merged over the config's. */
  timings?: Partial<Timings>;
  /** Realism overrides (see config/realism.ts), absolute ms; merged over the config's. */
  realism?: RealismOverrides;
  /** Where instance and image roots live; default a fresh temp dir. Must be empty or absent. */
  dataDir?: string;
  /** Keep the data dir on stop (default: false for a temp dir, true for a given `dataDir`). */
  keepData?: boolean;
  /** A pino-compatible logger; default pino on stderr at `SANDBOX_LOG_LEVEL` (default `warn`). */
  logger?: SandboxLogger;
}

/** What an AWS SDK v3 client needs to talk to the sandbox (any credentials are accepted). */
export interface SandboxClientConfig {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

/** A running sandbox. */
export interface RunningSandbox {
  /** The AWS endpoint for every service, e.g. `http://127.0.0.1:43123`. */
  endpoint: string;
  /**
   * The same endpoint over TLS, e.g. `https://127.0.0.1:43124`: S3 objects behind `https://` URLs
   * (presigned ones), as an artifact server. Its certificate is self-signed: trust {@link caBundlePath}.
   */
  httpsEndpoint: string;
  /** The PEM of the HTTPS endpoint's certificate (instances trust it; give it to curl or `NODE_EXTRA_CA_CERTS`). */
  caBundlePath: string;
  /** `${endpoint}/_sandbox`. */
  controlUrl: string;
  /** Configured region names. */
  regions: string[];
  /** Region → target group name → load balancer (proxy) URL. */
  loadBalancers: Record<string, Record<string, string>>;
  /** The effective timings. */
  timings: Timings;
  /** The realism in force (eventual consistency, races, SSM registration, capacity, throttling). */
  realism: Realism;
  dataDir: string;
  /** The control endpoint's client. */
  control: SandboxControl;
  /** Options for an AWS SDK v3 client of `region` (default the first region) aimed at the sandbox. */
  clientConfig(region?: string): SandboxClientConfig;
  /** Kills every instance process, stops the proxies and the server, removes the data dir (unless kept). */
  stop(): Promise<void>;
}

/** Starts a sandbox on 127.0.0.1. */
export async function startSandbox(options: StartSandboxOptions = {}): Promise<RunningSandbox> {
  const config = parseSandboxConfig({
    ...(options.config ?? defaults.DEFAULT_SANDBOX_CONFIG),
    ...(options.profile ? { profile: options.profile } : {}),
    ...(options.timeScale ? { timeScale: options.timeScale } : {}),
  });
  const timings = resolveTimings(config.profile, config.timeScale, { ...config.timings, ...options.timings });
  const realism = resolveRealism(config.profile, config.timeScale, { ...config.realism, ...options.realism });
  const dataDir = options.dataDir ?? (await mkdtemp(`${tmpdir()}/hybrid-deploy-sandbox-`));
  if (options.dataDir) {
    await mkdir(dataDir, { recursive: true });
    if ((await readdir(dataDir)).length) throw new Error(`sandbox data dir ${dataDir} is not empty`);
  }
  const keepData = options.keepData ?? options.dataDir !== undefined;
  const logger = options.logger ?? pino({ level: process.env.SANDBOX_LOG_LEVEL ?? 'warn', name: 'sandbox' }, pino.destination(2));
  const state = new SandboxState({ config, timings, realism, dataDir, sandboxId: randomBytes(8).toString('hex'), logger });
  await state.seed();
  const loadBalancers = new LoadBalancers(state);
  await loadBalancers.start();
  const reset = async (): Promise<void> => {
    await killAllSandboxProcesses(state);
    await state.reset();
    await killAllSandboxProcesses(state); // anything a dying boot script started meanwhile
  };
  const handler = createSandbox({
    state,
    control: {
      reset,
      loadBalancers: () => loadBalancers.urls(),
      describe: () => ({
        accountId: config.accountId,
        profile: config.profile,
        timeScale: config.timeScale,
        realism,
        instanceProfiles: config.instanceProfiles,
        regions: config.regions,
        dataDir,
      }),
    },
  });
  const server = await listen(handler, options.port ?? 0);
  const endpoint = `http://127.0.0.1:${server.port}`;
  state.endpoint = endpoint;
  const certificate = await makeLocalCertificate(dataDir);
  const tlsServer = await listen(handler, 0, certificate);
  state.caBundlePath = certificate.caBundlePath;
  let stopping: Promise<void> | undefined;
  return {
    endpoint,
    httpsEndpoint: `https://127.0.0.1:${tlsServer.port}`,
    caBundlePath: certificate.caBundlePath,
    controlUrl: `${endpoint}/_sandbox`,
    regions: state.regionNames(),
    loadBalancers: loadBalancers.urls(),
    timings,
    realism,
    dataDir,
    control: new SandboxControl(`${endpoint}/_sandbox`),
    clientConfig: (region = state.regionNames()[0]) => ({
      endpoint,
      region,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    }),
    stop: () =>
      (stopping ??= (async () => {
        state.scheduler.close();
        await server.close();
        await tlsServer.close();
        await loadBalancers.stop();
        await killAllSandboxProcesses(state);
        // Background work (copies, boot) ends quickly once processes are gone; never wait forever.
        await Promise.race([state.scheduler.drain(), new Promise((r) => setTimeout(r, 5_000).unref())]);
        await killAllSandboxProcesses(state);
        state.ips.close();
        if (!keepData) await rm(dataDir, { recursive: true, force: true });
      })()),
  };
}
