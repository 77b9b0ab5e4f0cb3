/**
 * The spool directory's owner lock (<dir>/LOCK): one process writes a spool at a time, and a
 * restarted process takes over what its previous incarnation left, even with the same pid.
 *
 * The file holds JSON { pid, hostname, instanceId, startedAt, bootId, pidNamespace }; its mtime is
 * a heartbeat the owner refreshes every heartbeatMs. `instanceId` is random per process, so a
 * lock with our pid but another instance id was left by an earlier process: a pid is unique among
 * live processes of one pid namespace, and a container restarted after kill -9 / OOM gets pid 1
 * again. Verdict on an existing lock (decideLock, a pure function):
 *   other hostname                  refused while its heartbeat is fresh, taken when older than staleMs
 *   same host, other boot id        taken (the machine rebooted; the owner is gone)
 *   same instance id                ours from an earlier Spool of this process that was not closed: taken
 *                                   (a Spool still open in this process is refused before this, in-process)
 *   same pid, other instance        taken: a previous incarnation
 *   other pid, other pid namespace  (a pid we cannot probe) refused while fresh, taken when stale
 *   other pid, alive                refused
 *   other pid, dead                 taken
 *   unreadable content              refused while fresh, taken when stale
 * A legacy lock (just a pid, written by an older tickgate) counts as same host, no instance id.
 * Creation is atomic (link of a temp file); a takeover moves the judged file aside first and
 * checks it is the one it judged, so two processes racing for a stale lock cannot both win.
 * Caveat: two *live* containers sharing one volume AND one hostname with the same pid would
 * look like incarnations of each other; give containers distinct hostnames (the default).
 */
import { randomUUID } from 'node:crypto';
import { linkSync, readFileSync, readlinkSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { readFile, utimes } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { DEFAULT_SPOOL_LOCK_HEARTBEAT_MS, DEFAULT_SPOOL_LOCK_STALE_MS } from '../../config/defaults/sinks.js';
import { errorMessage, SpoolIoError } from '../errors.js';

export interface LockOwner {
  readonly pid: number;
  readonly hostname: string;
  readonly instanceId: string;
  readonly startedAt: number;
  /** Linux boot id (/proc/sys/kernel/random/boot_id), null elsewhere. */
  readonly bootId: string | null;
  /** Linux pid namespace ("pid:[4026531836]"), null elsewhere. */
  readonly pidNamespace: string | null;
}

export type ExistingLock =
  | { readonly kind: 'owner'; readonly owner: Partial<LockOwner> & { readonly pid: number }; readonly heartbeatAt: number }
  | { readonly kind: 'unreadable'; readonly heartbeatAt: number };

export interface LockVerdict {
  readonly take: boolean;
  /** Stable code: why the lock was taken over or refused. */
  readonly reason:
    | 'other_host_fresh' | 'other_host_stale' | 'previous_boot' | 'same_instance' | 'previous_incarnation'
    | 'other_pid_namespace_fresh' | 'other_pid_namespace_stale' | 'owner_alive' | 'owner_dead' | 'unreadable_fresh' | 'unreadable_stale';
}

/** Who we are: one identity per process (all spools of this process share the instance id). */
export const SELF: LockOwner = {
  pid: process.pid, hostname: hostname(), instanceId: randomUUID(), startedAt: Date.now(),
  bootId: readQuietly('/proc/sys/kernel/random/boot_id'), pidNamespace: readLinkQuietly('/proc/self/ns/pid'),
};

export function decideLock(existing: ExistingLock, self: LockOwner, nowMs: number, staleMs: number, isAlive: (pid: number) => boolean): LockVerdict {
  const stale = nowMs - existing.heartbeatAt > staleMs;
  if (existing.kind === 'unreadable') return stale ? { take: true, reason: 'unreadable_stale' } : { take: false, reason: 'unreadable_fresh' };
  const o = existing.owner;
  if (o.hostname !== undefined && o.hostname !== self.hostname) return stale ? { take: true, reason: 'other_host_stale' } : { take: false, reason: 'other_host_fresh' };
  if (o.bootId && self.bootId && o.bootId !== self.bootId) return { take: true, reason: 'previous_boot' };
  if (o.instanceId !== undefined && o.instanceId === self.instanceId) return { take: true, reason: 'same_instance' };
  if (o.pid === self.pid) return { take: true, reason: 'previous_incarnation' };
  if (o.pidNamespace && self.pidNamespace && o.pidNamespace !== self.pidNamespace) {
    return stale ? { take: true, reason: 'other_pid_namespace_stale' } : { take: false, reason: 'other_pid_namespace_fresh' };
  }
  return isAlive(o.pid) ? { take: false, reason: 'owner_alive' } : { take: true, reason: 'owner_dead' };
}

export function parseLock(text: string, heartbeatAt: number): ExistingLock {
  const t = text.trim();
  if (/^\d+$/.test(t) && Number(t) > 0) return { kind: 'owner', owner: { pid: Number(t) }, heartbeatAt };
  try {
    const o = JSON.parse(t) as Partial<LockOwner>;
    if (typeof o.pid === 'number' && Number.isInteger(o.pid) && o.pid > 0) return { kind: 'owner', owner: { ...o, pid: o.pid }, heartbeatAt };
  } catch {
    // fall through: unreadable
  }
  return { kind: 'unreadable', heartbeatAt };
}

export interface SpoolLockOptions {
  readonly heartbeatMs?: number;
  readonly staleMs?: number;
  /** Injected for tests. */
  readonly self?: LockOwner;
  readonly isAlive?: (pid: number) => boolean;
  /** Another process replaced our lock (a misconfiguration: two owners); called once. */
  readonly onLost?: (holder: string) => void;
}

/** Spool directories held by this process: a second Spool on one dir is refused in-process. */
const HELD = new Set<string>();
const TAKE_ATTEMPTS = 3;

export class SpoolLock {
  readonly path: string;
  private readonly key: string;
  private readonly self: LockOwner;
  private timer: NodeJS.Timeout | null = null;
  private lost = false;
  /** How it was acquired: 'created' or the takeover reason. */
  readonly how: string;

  private constructor(dir: string, private readonly opts: SpoolLockOptions, how: string, self: LockOwner) {
    this.path = join(dir, 'LOCK');
    this.key = resolve(dir);
    this.self = self;
    this.how = how;
    const every = opts.heartbeatMs ?? DEFAULT_SPOOL_LOCK_HEARTBEAT_MS;
    this.timer = setInterval(() => void this.beat(), every);
    this.timer.unref();
  }

  /** Takes the lock of `dir` or throws SpoolIoError naming the holder. */
  static acquire(dir: string, opts: SpoolLockOptions = {}): SpoolLock {
    const key = resolve(dir);
    const self = opts.self ?? SELF;
    if (HELD.has(key)) throw new SpoolIoError(`spool ${dir} is already open in this process (pid ${self.pid})`, { dir, pid: self.pid, reason: 'open_in_this_process' });
    const path = join(dir, 'LOCK');
    const body = JSON.stringify(self);
    for (let attempt = 0; attempt < TAKE_ATTEMPTS; attempt++) {
      if (createExclusive(path, body, self.instanceId)) return SpoolLock.held(dir, opts, 'created', self);
      const existing = readExisting(path);
      if (existing === null) continue; // removed meanwhile: try to create again
      const v = decideLock(existing, self, Date.now(), opts.staleMs ?? DEFAULT_SPOOL_LOCK_STALE_MS, opts.isAlive ?? isAlive);
      if (!v.take) {
        const pid = existing.kind === 'owner' ? existing.owner.pid : null;
        const host = existing.kind === 'owner' ? existing.owner.hostname ?? null : null;
        throw new SpoolIoError(`spool ${dir} is in use by process ${pid ?? '?'}${host ? ` on ${host}` : ''} (${v.reason})`, { dir, pid, hostname: host, reason: v.reason });
      }
      if (moveAsideIfSame(path, existing, self.instanceId) && createExclusive(path, body, self.instanceId)) return SpoolLock.held(dir, opts, v.reason, self);
    }
    throw new SpoolIoError(`spool ${dir}: lock contended by another process starting at the same time`, { dir, reason: 'contended' });
  }

  private static held(dir: string, opts: SpoolLockOptions, how: string, self: LockOwner): SpoolLock {
    HELD.add(resolve(dir));
    return new SpoolLock(dir, opts, how, self);
  }

  isLost(): boolean {
    return this.lost;
  }

  /** Removes the lock if it is still ours. */
  release(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    HELD.delete(this.key);
    try {
      const cur = parseLock(readFileSync(this.path, 'utf8'), 0);
      if (cur.kind === 'owner' && cur.owner.instanceId === this.self.instanceId) unlinkSync(this.path);
    } catch {
      // already gone
    }
  }

  /** Refreshes the heartbeat (mtime) and checks the lock is still ours; off the event loop. */
  private async beat(): Promise<void> {
    try {
      const cur = parseLock(await readFile(this.path, 'utf8'), 0);
      if (cur.kind === 'owner' && cur.owner.instanceId === this.self.instanceId) {
        const now = new Date();
        await utimes(this.path, now, now);
        return;
      }
      this.markLost(cur.kind === 'owner' ? `pid ${cur.owner.pid}${cur.owner.hostname ? ` on ${cur.owner.hostname}` : ''}` : 'unreadable');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') this.markLost('nobody (LOCK removed)');
    }
  }

  private markLost(holder: string): void {
    if (this.lost || this.timer === null) return;
    this.lost = true;
    try { this.opts.onLost?.(holder); } catch { /* a reporting callback must not throw here */ }
  }
}

/** Atomic create: write a private temp file, then link it to LOCK (fails if LOCK exists). */
function createExclusive(path: string, body: string, instanceId: string): boolean {
  const tmp = `${path}.${instanceId}.tmp`;
  writeFileSync(tmp, body);
  try {
    linkSync(tmp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new SpoolIoError(`cannot create spool lock ${path}: ${errorMessage(err)}`, { path }, err);
  } finally {
    try { unlinkSync(tmp); } catch { /* gone */ }
  }
}

function readExisting(path: string): ExistingLock | null {
  try {
    const heartbeatAt = statSync(path).mtimeMs;
    return parseLock(readFileSync(path, 'utf8'), heartbeatAt);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new SpoolIoError(`cannot read spool lock ${path}: ${errorMessage(err)}`, { path }, err);
  }
}

/**
 * Moves LOCK aside and deletes it if it is still the lock we judged; if another process replaced
 * it in between, puts it back (without clobbering) and reports false so the caller judges again.
 */
function moveAsideIfSame(path: string, judged: ExistingLock, instanceId: string): boolean {
  const aside = `${path}.${instanceId}.stale`;
  try {
    renameSync(path, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw new SpoolIoError(`cannot take over spool lock ${path}: ${errorMessage(err)}`, { path }, err);
  }
  const moved = readExisting(aside);
  const same = moved !== null && moved.kind === judged.kind
    && (moved.kind !== 'owner' || judged.kind !== 'owner' || (moved.owner.pid === judged.owner.pid && moved.owner.instanceId === judged.owner.instanceId));
  if (!same) {
    try { linkSync(aside, path); } catch { /* someone created a new one: theirs stands */ }
  }
  try { unlinkSync(aside); } catch { /* gone */ }
  return same;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readQuietly(path: string): string | null {
  try { return readFileSync(path, 'utf8').trim() || null; } catch { return null; }
}

function readLinkQuietly(path: string): string | null {
  try { return readlinkSync(path); } catch { return null; }
}
