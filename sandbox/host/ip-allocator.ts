/**
 * Private IPs for instances, in 127.0.0.0/8 (Linux routes all of it to `lo`, so servers bind them).
 *
 * Several sandboxes run at once (one per test file), so each claims whole /24 blocks `127.0.N.0`
 * (N ≥ 1; 127.0.0.1 is the sandbox itself) through an exclusive lock file holding its pid. A lock
 * whose pid is dead belongs to a sandbox that was killed: before anything is claimed, every such
 * lock is removed together with the instance processes its sandbox left running (they would still
 * hold its addresses, and a new instance given one would fail with `EADDRINUSE`). Within its
 * blocks a sandbox hands out addresses round robin, never one an instance of its own holds and
 * never one a process on the host still listens on, so an IP is unique while its instance lives.
 */
import { linkSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where the block locks live (one file per claimed block, named after it, holding the owner's pid). */
export const IP_LOCK_DIR = join(tmpdir(), 'hybrid-deploy-sandbox-ips');
const BLOCK_LOCK = /^127\.0\.(\d{1,3})$/;

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function lockOwner(lock: string): number {
  try {
    return Number(readFileSync(lock, 'utf8').trim()) || 0;
  } catch {
    return 0; // Removed meanwhile, or unreadable: nobody we can prove alive.
  }
}

/**
 * The IPv4 addresses something on this host listens on (TCP, from `/proc/net/tcp`): an address
 * with a listener is in use whatever holds it, even a process the sandbox could not mark.
 */
export function listeningAddresses(): Set<string> {
  const out = new Set<string>();
  let table = '';
  try {
    table = readFileSync('/proc/net/tcp', 'utf8');
  } catch {
    return out;
  }
  for (const line of table.split('\n').slice(1)) {
    const [, local, , state] = line.trim().split(/\s+/);
    if (state !== '0A' || !local) continue; // 0A = LISTEN
    // `0501007F:1F90` is 127.0.1.5 in the kernel's byte order (little-endian on x86 and arm).
    const hex = local.split(':')[0];
    const bytes = [6, 4, 2, 0].map((i) => parseInt(hex.slice(i, i + 2), 16));
    out.add(bytes.join('.'));
  }
  return out;
}

/**
 * SIGKILLs the sandbox instance processes holding an address of block `127.0.<block>.0/24`
 * (found by the `PRIVATE_IP` and `SANDBOX_ID` every instance process inherits). Only called for
 * a block whose owner is dead, so none of them belongs to a live sandbox.
 */
export function killBlockLeftovers(block: number): number {
  const prefix = Buffer.from(`\0PRIVATE_IP=127.0.${block}.`);
  let killed = 0;
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc');
  } catch {
    return 0;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let environ: Buffer;
    try {
      environ = Buffer.concat([Buffer.from('\0'), readFileSync(`/proc/${entry}/environ`)]);
    } catch {
      continue; // Exited meanwhile, or not ours to read.
    }
    if (!environ.includes(prefix) || !environ.includes('\0SANDBOX_ID=')) continue;
    try {
      process.kill(Number(entry), 'SIGKILL');
      killed++;
    } catch {
      // Already gone.
    }
  }
  return killed;
}

/** Allocates and releases instance IPs. */
export class IpAllocator {
  private readonly blocks: number[] = [];
  private readonly inUse = new Set<string>();
  private cursor = 0;

  constructor(private readonly lockDir = IP_LOCK_DIR) {}

  /** Returns a free address, claiming another /24 when the held ones are full. */
  allocate(): string {
    for (;;) {
      const listening = listeningAddresses();
      const capacity = this.blocks.length * 254;
      for (let i = 0; i < capacity; i++) {
        const n = (this.cursor + i) % capacity;
        const ip = `127.0.${this.blocks[Math.floor(n / 254)]}.${(n % 254) + 1}`;
        if (!this.inUse.has(ip) && !listening.has(ip)) {
          this.cursor = n + 1;
          this.inUse.add(ip);
          return ip;
        }
      }
      this.claimBlock();
    }
  }

  /** Gives an address back (its instance terminated). */
  release(ip: string): void {
    this.inUse.delete(ip);
  }

  /** Releases everything and removes the lock files. */
  close(): void {
    for (const block of this.blocks) rmSync(join(this.lockDir, `127.0.${block}`), { force: true });
    this.blocks.length = 0;
    this.inUse.clear();
  }

  /**
   * Removes what killed sandboxes left: for every lock whose pid is dead, the instance processes
   * still holding that block's addresses, then the lock itself. Returns the blocks cleaned.
   */
  sweepDeadPredecessors(): number[] {
    const cleaned: number[] = [];
    let names: string[] = [];
    try {
      names = readdirSync(this.lockDir);
    } catch {
      return cleaned;
    }
    for (const name of names) {
      const draftOwner = Number(/^\.draft-(\d+)-/.exec(name)?.[1] ?? 0);
      if (draftOwner && !pidAlive(draftOwner)) rmSync(join(this.lockDir, name), { force: true });
      const block = Number(BLOCK_LOCK.exec(name)?.[1] ?? 0);
      if (!block) continue;
      const lock = join(this.lockDir, name);
      const owner = lockOwner(lock);
      if (owner === process.pid || (owner && pidAlive(owner))) continue;
      killBlockLeftovers(block);
      rmSync(lock, { force: true });
      cleaned.push(block);
    }
    return cleaned;
  }

  private claimBlock(): void {
    mkdirSync(this.lockDir, { recursive: true });
    this.sweepDeadPredecessors();
    // The lock appears with its pid already in it (a hard link is created whole or not at all), so
    // no other sandbox ever reads an empty lock and takes it for a dead one's.
    const draft = join(this.lockDir, `.draft-${process.pid}-${Math.random().toString(36).slice(2)}`);
    writeFileSync(draft, String(process.pid));
    try {
      for (let block = 1; block <= 254; block++) {
        if (this.blocks.includes(block)) continue;
        try {
          linkSync(draft, join(this.lockDir, `127.0.${block}`));
          this.blocks.push(block);
          return;
        } catch {
          // Held by a live sandbox (dead ones were swept above), or by another sandbox in this process.
        }
      }
    } finally {
      rmSync(draft, { force: true });
    }
    throw new Error('no free 127.0.N.0/24 block for instance addresses');
  }
}
