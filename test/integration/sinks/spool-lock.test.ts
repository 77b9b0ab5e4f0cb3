/**
 * The spool LOCK with real processes: a live holder refuses a second process; kill -9 of the
 * holder lets the next process take over; a lock that carries our own pid with another instance
 * id (what a container's PID 1 finds after kill -9 / OOM restart) is taken over; and, where
 * `unshare` can make a pid namespace, the real thing: two incarnations that are both PID 1.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Spool } from '../../../src/sinks/spool/spool.js';
import { SELF } from '../../../src/sinks/spool/spool-lock.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixture = join(here, 'fixtures', 'spool-holder.ts');

interface Said { event: 'held' | 'refused'; pid?: number; how?: string; rows?: number; reason?: string; message?: string }

class Holder {
  readonly proc: ChildProcess;
  readonly said: Promise<Said>;
  readonly exited: Promise<void>;
  private stderr = '';

  constructor(dir: string, opts: { pidNamespace?: boolean; heartbeatMs?: number } = {}) {
    const node = [process.execPath, '--import', 'tsx', fixture, dir, String(opts.heartbeatMs ?? 5000)];
    const [cmd, ...args] = opts.pidNamespace ? ['unshare', '--pid', '--fork', '--kill-child', ...node] : node;
    this.proc = spawn(cmd!, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stderr!.on('data', (d: Buffer) => { this.stderr += d.toString(); });
    this.exited = new Promise((resolve) => this.proc.on('exit', () => resolve()));
    this.said = new Promise((resolve, reject) => {
      createInterface({ input: this.proc.stdout! }).once('line', (l) => resolve(JSON.parse(l) as Said));
      this.proc.on('exit', (code) => reject(new Error(`holder exited (${code}) without a word; stderr: ${this.stderr.slice(-1500)}`)));
    });
  }

  async kill9(): Promise<void> {
    this.proc.kill('SIGKILL');
    await this.exited;
  }

  async end(): Promise<void> {
    this.proc.stdin!.end();
    await this.exited;
  }
}

const unshareWorks = spawnSync('unshare', ['--pid', '--fork', 'true']).status === 0;

let dir: string;
const holders: Holder[] = [];
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'tickgate-lock-')); });
afterEach(async () => {
  for (const h of holders.splice(0)) { h.proc.kill('SIGKILL'); await h.exited; }
  rmSync(dir, { recursive: true, force: true });
});

function holder(opts?: { pidNamespace?: boolean; heartbeatMs?: number }): Holder {
  const h = new Holder(dir, opts);
  holders.push(h);
  return h;
}

describe('spool LOCK across real processes', () => {
  it('a live holder refuses a second process and this one; after its kill -9 the next process takes over its data', async () => {
    const first = holder({ heartbeatMs: 100 });
    expect(await first.said).toMatchObject({ event: 'held', how: 'created', rows: 1 });
    const lock = JSON.parse(readFileSync(join(dir, 'LOCK'), 'utf8')) as { pid: number; hostname: string; instanceId: string };
    expect(lock).toMatchObject({ pid: first.proc.pid, hostname: hostname() });
    expect(lock.instanceId).not.toBe(SELF.instanceId);
    // The heartbeat moves the mtime forward while the holder lives.
    const m0 = statSync(join(dir, 'LOCK')).mtimeMs;
    await expect.poll(() => statSync(join(dir, 'LOCK')).mtimeMs, { timeout: 5000 }).toBeGreaterThan(m0);

    const second = holder();
    expect(await second.said).toMatchObject({ event: 'refused', reason: 'owner_alive' });
    expect((await second.said).message).toContain(`process ${first.proc.pid}`);
    expect(() => Spool.open({ dir, fsync: 'never' })).toThrow(/in use by process/);

    await first.kill9();
    const third = holder();
    // The batch the killed holder appended is still there for the new owner to replay.
    expect(await third.said).toMatchObject({ event: 'held', how: 'owner_dead', rows: 2 });
    await third.end();
  });

  it('a lock carrying our own pid with another instance id (a previous incarnation) is taken over; a live other pid is not', async () => {
    writeFileSync(join(dir, 'LOCK'), JSON.stringify({ ...SELF, instanceId: 'previous-incarnation', startedAt: Date.now() - 60_000 }));
    const s = Spool.open({ dir, fsync: 'never' });
    expect(s.stats().lock).toBe('previous_incarnation');
    expect(JSON.parse(readFileSync(join(dir, 'LOCK'), 'utf8'))).toMatchObject({ pid: process.pid, instanceId: SELF.instanceId });
    await s.close();

    // The same shape with the pid of a live process that is not us: refused.
    const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      writeFileSync(join(dir, 'LOCK'), JSON.stringify({ ...SELF, pid: live.pid, instanceId: 'someone-else' }));
      expect(() => Spool.open({ dir, fsync: 'never' })).toThrow(/owner_alive/);
    } finally {
      live.kill('SIGKILL');
    }
  });

  it('a legacy lock (pid only) holding our own pid is taken over', async () => {
    writeFileSync(join(dir, 'LOCK'), String(process.pid));
    const s = Spool.open({ dir, fsync: 'never' });
    expect(s.stats().lock).toBe('previous_incarnation');
    await s.close();
  });

  it.runIf(unshareWorks)('container restart: PID 1 killed -9, the next PID 1 (new pid namespace, same host) takes over at once', async () => {
    const first = holder({ pidNamespace: true });
    expect(await first.said).toMatchObject({ event: 'held', pid: 1, how: 'created' });
    // While it lives, a process outside its namespace cannot probe pid 1 there: refused (fresh heartbeat).
    const outside = holder();
    expect(await outside.said).toMatchObject({ event: 'refused', reason: 'other_pid_namespace_fresh' });
    await first.kill9();
    const restarted = holder({ pidNamespace: true });
    expect(await restarted.said).toMatchObject({ event: 'held', pid: 1, how: 'previous_incarnation', rows: 2 });
    await restarted.end();
  });
});
