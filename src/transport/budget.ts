// File descriptors are the resource 1,000 switches exhaust first: every switch holds one
// connection (two while it is verified: the watch's subscriber), and the process has a limit
// (RLIMIT_NOFILE). Node raises its soft limit to the hard limit when it starts; above that, clos
// bounds its own connections: at most the limit minus a reserve (state files, pipes, stdio,
// exec channels) are open at once, and opening one more first closes the connection idle for
// longest (no request in flight, not a subscriber), which its transport opens again on next use.
import { readFileSync } from 'node:fs';

/** What the budget needs of a connection. */
export interface Evictable {
  readonly idle: boolean;
  /** Closes it for the budget's sake (its owner reopens it on next use). */
  evict(): void;
}

const RESERVE = 128;

/** The process's open-files limit (soft), from /proc; 1024 where it cannot be read. */
export function openFilesLimit(): number {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return !m || m[1] === 'unlimited' ? 1_048_576 : Number(m[1]);
  } catch {
    return 1024;
  }
}

export class ConnectionBudget {
  /** Open connections, least recently used first (a Map keeps insertion order). */
  private readonly lru = new Map<Evictable, true>();

  constructor(public max: number) {}

  get open(): number {
    return this.lru.size;
  }

  /** Before a connection opens: closes idle ones while the budget is spent. A budget spent on
   *  busy connections only is exceeded (the callers' concurrency bounds them). */
  makeRoom(): void {
    for (const c of this.lru.keys()) {
      if (this.lru.size < this.max) return;
      if (c.idle) c.evict(); // evict() calls release()
    }
  }

  /** A connection is in use (opened, or a request sent): it goes to the back of the line. */
  touch(c: Evictable): void {
    this.lru.delete(c);
    this.lru.set(c, true);
  }

  release(c: Evictable): void {
    this.lru.delete(c);
  }
}

/** The budget every RESP connection of this process counts against. */
export const connections = new ConnectionBudget(Math.max(16, openFilesLimit() - RESERVE));
