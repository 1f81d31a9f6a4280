/**
 * Private IPs for instances, in 127.0.0.0/8 (Linux routes all of it to `lo`, so servers bind them).
 *
 * Several sandboxes run at once (one per test file), so each claims whole /24 blocks `127.0.N.0`
 * (N ≥ 1; 127.0.0.1 is the sandbox itself) through an exclusive lock file holding its pid; a lock
 * whose pid is dead is stale and reclaimed. Within its blocks a sandbox hands out addresses round
 * robin and never gives out one that is in use, so an IP is unique while its instance lives.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const LOCK_DIR = join(tmpdir(), 'hybrid-deploy-sandbox-ips');

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Allocates and releases instance IPs. */
export class IpAllocator {
  private readonly blocks: number[] = [];
  private readonly inUse = new Set<string>();
  private cursor = 0;

  /** Returns a free address, claiming another /24 when the held ones are full. */
  allocate(): string {
    for (;;) {
      const capacity = this.blocks.length * 254;
      for (let i = 0; i < capacity; i++) {
        const n = (this.cursor + i) % capacity;
        const ip = `127.0.${this.blocks[Math.floor(n / 254)]}.${(n % 254) + 1}`;
        if (!this.inUse.has(ip)) {
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
    for (const block of this.blocks) rmSync(join(LOCK_DIR, `127.0.${block}`), { force: true });
    this.blocks.length = 0;
    this.inUse.clear();
  }

  private claimBlock(): void {
    mkdirSync(LOCK_DIR, { recursive: true });
    for (let block = 1; block <= 254; block++) {
      if (this.blocks.includes(block)) continue;
      const lock = join(LOCK_DIR, `127.0.${block}`);
      try {
        writeFileSync(lock, String(process.pid), { flag: 'wx' });
        this.blocks.push(block);
        return;
      } catch {
        let owner = 0;
        try {
          owner = Number(readFileSync(lock, 'utf8').trim() || 0);
        } catch {
          // Removed meanwhile: treat as stale and retry.
        }
        if (owner && owner !== process.pid && pidAlive(owner)) continue;
        if (owner === process.pid) continue; // another sandbox in this same process holds it
        rmSync(lock, { force: true });
        block--; // retry the stale block
      }
    }
    throw new Error('no free 127.0.N.0/24 block for instance addresses');
  }
}
