/**
 * One process of the cluster example (examples/cluster/) started the way its README says: the
 * real CLI (`tsx src/cli/main.ts run --config examples/cluster/<role>.yaml`) or the env-only
 * script (`examples/cluster/env-only.sh <role>`), from the repository root. The caller passes only
 * the TICKGATE__* variables a run must override (namespace, venue URL, data dir, port 0); every
 * TICKGATE* variable of the calling environment is dropped so nothing else leaks in.
 * Used by test/integration/cluster/three-process.test.ts and bench/cluster.bench.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export type ExampleRole = 'collector-a' | 'collector-b' | 'processor';
/** Output kept per process for failure messages (the newest bytes). */
const TAIL_BYTES = 32 * 1024;

export interface ExampleProcessOptions {
  readonly role: ExampleRole;
  /** `file`: --config examples/cluster/<role>.yaml; `env-only`: examples/cluster/env-only.sh <role>, no config file. */
  readonly from: 'file' | 'env-only';
  /** The TICKGATE__* overrides of this run. */
  readonly env: Readonly<Record<string, string>>;
  /** The config file to use instead of examples/cluster/<role>.yaml (relative to the repo root). */
  readonly configFile?: string;
}

/** CPU seconds (user + system) a process used so far, from /proc (Linux; NaN elsewhere or when gone). */
export function cpuSecondsOf(pid: number | undefined): number {
  try {
    // Fields after the parenthesised command name: utime and stime are the 12th and 13th, in clock ticks (100/s).
    const rest = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(rest[11]) + Number(rest[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

export class ExampleProcess {
  readonly proc: ChildProcess;
  readonly name: string;
  private out = '';
  private urlSeen: string | null = null;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(readonly opts: ExampleProcessOptions) {
    this.name = `${opts.role} (${opts.from})`;
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('TICKGATE')) env[k] = v;
    Object.assign(env, opts.env);
    // The env-only script ends in `exec node ...`: the pid is tickgate's own, so kill -9 hits the collector.
    const [cmd, args] = opts.from === 'file'
      ? [process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'run', '--config', opts.configFile ?? `examples/cluster/${opts.role}.yaml`]]
      : ['sh', ['examples/cluster/env-only.sh', opts.role]];
    this.proc = spawn(cmd, args as string[], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (d: Buffer): void => {
      this.out += d.toString();
      if (this.out.length > 2 * TAIL_BYTES) this.out = this.out.slice(-TAIL_BYTES);
    };
    // stdout carries the JSON logs: it must be read or the child blocks on a full pipe.
    this.proc.stdout!.on('data', keep);
    this.proc.stderr!.on('data', (d: Buffer) => {
      keep(d);
      // run-command.ts prints this once the gateway started (leases taken, consumer open).
      this.urlSeen ??= /tickgate running: (http:\/\/\S+)/.exec(d.toString())?.[1] ?? null;
    });
    this.exited = new Promise((resolve) => this.proc.on('exit', (code, signal) => resolve({ code, signal })));
  }

  get url(): string {
    if (this.urlSeen === null) throw new Error(`${this.name} has not started`);
    return this.urlSeen;
  }

  tail(bytes = 3_000): string {
    return this.out.slice(-bytes);
  }

  running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Resolves once the gateway printed its URL; throws with its output if it exited first. */
  async started(timeoutMs = 40_000): Promise<this> {
    const end = Date.now() + timeoutMs;
    while (this.urlSeen === null) {
      if (!this.running()) throw new Error(`${this.name} exited (${this.proc.exitCode ?? this.proc.signalCode}): ${this.tail()}`);
      if (Date.now() > end) throw new Error(`${this.name} did not start within ${timeoutMs} ms: ${this.tail()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return this;
  }

  async metricsText(): Promise<string> {
    // Generous: on an overloaded machine (load 15-25 seen) a scrape can wait seconds for the event loop.
    return (await fetch(`${this.url}/metrics`, { signal: AbortSignal.timeout(20_000) })).text();
  }

  /** One sample of a series without labels or with exactly `labels` (e.g. 'result="stored"'); NaN when absent. */
  async metric(name: string, labels = ''): Promise<number> {
    const text = await this.metricsText();
    const line = text.split('\n').find((l) => l.startsWith(labels ? `${name}{${labels}} ` : `${name} `));
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : Number.NaN;
  }

  cpuSeconds(): number {
    return cpuSecondsOf(this.proc.pid);
  }

  async kill9(): Promise<NodeJS.Signals | null> {
    this.proc.kill('SIGKILL');
    return (await this.exited).signal;
  }

  /** Graceful stop (SIGTERM: flush sinks, release leases); resolves with the exit code. */
  async stop(): Promise<number | null> {
    if (!this.running()) return (await this.exited).code;
    this.proc.kill('SIGTERM');
    return (await this.exited).code;
  }
}
