/**
 * Runs a script "on" an instance: `/bin/sh` in a private mount namespace where the instance's
 * own `<root>/opt` is bind-mounted over `/opt`, so production scripts use `/opt/...` paths with no
 * sandbox knowledge. The namespace is private, so the mount never shows on the host.
 */
import { spawn, type ChildProcess } from 'node:child_process';

/** The instance a script runs on. */
export interface InstanceSeat {
  sandboxId: string;
  instanceId: string;
  region: string;
  privateIp: string;
  /** The instance's root directory on the host; `<root>/opt` is its `/opt`. */
  root: string;
  /** The sandbox's endpoint, for the instance's AWS calls (`aws s3 cp`); unset before it listens. */
  endpoint?: string;
  /** The PEM of the sandbox's HTTPS certificate, which the instance trusts (as it trusts S3's on AWS). */
  caBundlePath?: string;
}

/** A script to run on an instance. */
export interface ShellRunOptions {
  script: string;
  /** Working directory as the instance sees it; default `/opt`. */
  workingDirectory?: string;
  /** Where stdout/stderr go; default pipes. */
  stdio?: ['ignore', 'pipe' | number, 'pipe' | number];
}

/** Directory (inside the instance) holding the package-manager stand-ins; first on PATH. */
export const SANDBOX_BIN_DIR = '/opt/.sandbox/bin';

/**
 * The environment every instance command gets. `SANDBOX_INSTANCE_ID` is the marker the process
 * tracker scans for; `SANDBOX_ID` lets one sandbox kill all its processes without touching another
 * sandbox's (tests run several at once).
 */
export function instanceEnvironment(seat: InstanceSeat): Record<string, string> {
  return {
    PATH: `${SANDBOX_BIN_DIR}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
    HOME: '/opt/.sandbox/home',
    LANG: 'C.UTF-8',
    INSTANCE_ID: seat.instanceId,
    PRIVATE_IP: seat.privateIp,
    AWS_REGION: seat.region,
    AWS_DEFAULT_REGION: seat.region,
    SANDBOX_INSTANCE_ID: seat.instanceId,
    SANDBOX_ID: seat.sandboxId,
    // How any AWS CLI or SDK finds an AWS-compatible endpoint; the instance's `aws` stand-in reads it.
    ...(seat.endpoint ? { AWS_ENDPOINT_URL: seat.endpoint } : {}),
    // The variables curl and the AWS CLI read for extra trusted certificates: https:// artifacts served by the sandbox.
    ...(seat.caBundlePath ? { CURL_CA_BUNDLE: seat.caBundlePath, AWS_CA_BUNDLE: seat.caBundlePath } : {}),
  };
}

// $1 = instance root, $2 = working directory, $3 = the script. Exit codes 125/126 say the sandbox,
// not the script, failed (they surface as the command's exit status).
const WRAPPER =
  'mount --bind "$1/opt" /opt || { echo "sandbox: cannot mount the instance /opt" >&2; exit 125; }; ' +
  'cd "$2" || { echo "sandbox: no working directory $2" >&2; exit 126; }; ' +
  'exec /bin/sh -c "$3"';

/** Starts the script; the caller owns the child (its own process group, so it can be signalled). */
export function spawnOnInstance(seat: InstanceSeat, options: ShellRunOptions): ChildProcess {
  return spawn(
    'unshare',
    ['--mount', '--propagation', 'private', '/bin/sh', '-c', WRAPPER, 'sandbox-instance', seat.root, options.workingDirectory ?? '/opt', options.script],
    {
      // Host cwd is the instance root so nothing lands in the sandbox's own cwd by accident.
      cwd: seat.root,
      env: instanceEnvironment(seat),
      stdio: options.stdio ?? ['ignore', 'pipe', 'pipe'],
      detached: true,
    },
  );
}
