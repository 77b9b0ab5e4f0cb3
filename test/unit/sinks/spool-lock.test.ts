/** decideLock: every rule of the spool LOCK verdict, one row each (real-process cases: test/integration/sinks/spool-lock.test.ts). */
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decideLock, parseLock, SpoolLock, type LockOwner } from '../../../src/sinks/spool/spool-lock.js';

const NOW = 1_800_000_000_000;
const STALE_MS = 30_000;
const self: LockOwner = { pid: 1, hostname: 'gw-a', instanceId: 'me', startedAt: NOW - 1000, bootId: 'boot-1', pidNamespace: 'pid:[1]' };
const fresh = NOW - 1_000;
const old = NOW - 31_000;
const alive = new Set([77]);

const cases: [string, Partial<LockOwner> & { pid: number }, number, boolean, string][] = [
  ['other host, fresh heartbeat', { ...self, hostname: 'gw-b', instanceId: 'x' }, fresh, false, 'other_host_fresh'],
  ['other host, stale heartbeat', { ...self, hostname: 'gw-b', instanceId: 'x' }, old, true, 'other_host_stale'],
  ['same host, machine rebooted since', { ...self, pid: 77, bootId: 'boot-0', instanceId: 'x' }, fresh, true, 'previous_boot'],
  ['our own instance id (an unclosed Spool of this process)', { ...self }, fresh, true, 'same_instance'],
  ['our pid, another instance: previous incarnation (container PID 1)', { ...self, instanceId: 'x' }, fresh, true, 'previous_incarnation'],
  ['our pid in another pid namespace (container restarted)', { ...self, instanceId: 'x', pidNamespace: 'pid:[2]' }, fresh, true, 'previous_incarnation'],
  ['other pid in another pid namespace, fresh', { ...self, pid: 77, instanceId: 'x', pidNamespace: 'pid:[2]' }, fresh, false, 'other_pid_namespace_fresh'],
  ['other pid in another pid namespace, stale', { ...self, pid: 77, instanceId: 'x', pidNamespace: 'pid:[2]' }, old, true, 'other_pid_namespace_stale'],
  ['other pid alive', { ...self, pid: 77, instanceId: 'x' }, old, false, 'owner_alive'],
  ['other pid dead', { ...self, pid: 78, instanceId: 'x' }, fresh, true, 'owner_dead'],
  ['legacy lock (pid only), our pid', { pid: 1 }, fresh, true, 'previous_incarnation'],
  ['legacy lock (pid only), live other pid', { pid: 77 }, old, false, 'owner_alive'],
];

describe('decideLock', () => {
  it.each(cases)('%s', (_name, owner, heartbeatAt, take, reason) => {
    expect(decideLock({ kind: 'owner', owner, heartbeatAt }, self, NOW, STALE_MS, (p) => alive.has(p))).toEqual({ take, reason });
  });

  it('unreadable content: refused while fresh, taken when stale', () => {
    expect(decideLock({ kind: 'unreadable', heartbeatAt: fresh }, self, NOW, STALE_MS, () => true)).toEqual({ take: false, reason: 'unreadable_fresh' });
    expect(decideLock({ kind: 'unreadable', heartbeatAt: old }, self, NOW, STALE_MS, () => true)).toEqual({ take: true, reason: 'unreadable_stale' });
  });

  it('parses the JSON form, the legacy pid form, and calls anything else unreadable', () => {
    expect(parseLock(JSON.stringify(self), 5)).toEqual({ kind: 'owner', owner: self, heartbeatAt: 5 });
    expect(parseLock('4242\n', 5)).toEqual({ kind: 'owner', owner: { pid: 4242 }, heartbeatAt: 5 });
    expect(parseLock('', 5).kind).toBe('unreadable');
    expect(parseLock('{"pid":"x"}', 5).kind).toBe('unreadable');
  });
});

describe('SpoolLock file handling', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'tickgate-lockfile-')); });
  afterEach(() => { rmSync(dir, { recursive: true, force: true }); });

  it('another host: refused while its heartbeat is fresh, taken over once stale (by mtime)', () => {
    const path = join(dir, 'LOCK');
    writeFileSync(path, JSON.stringify({ ...self, hostname: 'elsewhere', instanceId: 'x' }));
    const me = { ...self, pid: process.pid };
    expect(() => SpoolLock.acquire(dir, { self: me, staleMs: STALE_MS })).toThrow(/on elsewhere \(other_host_fresh\)/);
    const past = new Date(Date.now() - 60_000);
    utimesSync(path, past, past);
    const lock = SpoolLock.acquire(dir, { self: me, staleMs: STALE_MS });
    expect(lock.how).toBe('other_host_stale');
    expect(() => SpoolLock.acquire(dir, { self: me })).toThrow(/already open in this process/);
    lock.release();
  });

  it('a holder whose lock was replaced by another process notices on its next heartbeat', async () => {
    const lost: string[] = [];
    const lock = SpoolLock.acquire(dir, { heartbeatMs: 20, onLost: (h) => lost.push(h) });
    writeFileSync(join(dir, 'LOCK'), JSON.stringify({ ...self, hostname: 'intruder' }));
    await expect.poll(() => lost, { timeout: 3000 }).toEqual(['pid 1 on intruder']);
    expect(lock.isLost()).toBe(true);
    lock.release();
  });
});
