/**
 * Parent side of bench/helpers/observer-child.ts: starts the observers' process and asks it
 * over IPC (one reply per request, matched by id).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./observer-child.ts', import.meta.url));

export interface ObserverState {
  down: Record<string, { first: number; last: number; count: number; dups: number; holes: number }>;
  positions: Record<string, boolean>;
  gaps: number;
  resyncs: number;
  reconnects: number;
  directFrames: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** The observers' process CPU time so far (user + system), µs. */
  cpuUs: number;
}

export interface Observer {
  ask(req: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Counts so far; resetLatency starts a new latency histogram after this reply. */
  state(resetLatency?: boolean): Promise<ObserverState>;
  close(): Promise<void>;
}

export async function startObserver(): Promise<Observer> {
  // E2E_OBSERVER_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/p") profiles the observers themselves.
  const nodeArgs = (process.env.E2E_OBSERVER_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
  const proc = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', CHILD], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  process.once('exit', () => {
    if (proc.exitCode === null) proc.kill('SIGKILL');
  });
  const waiting = new Map<number, (m: Record<string, unknown>) => void>();
  let next = 1;
  const ready = new Promise<void>((resolve, reject) => {
    proc.once('exit', (c) => reject(new Error(`observer exited ${c}`)));
    waiting.set(0, () => resolve());
  });
  proc.on('message', (m: { id: number }) => {
    const w = waiting.get(m.id);
    waiting.delete(m.id);
    w?.(m as Record<string, unknown>);
  });
  await ready;
  const ask = (req: Record<string, unknown>): Promise<Record<string, unknown>> => new Promise((r) => {
    const id = next++;
    waiting.set(id, r);
    proc.send({ ...req, id });
  });
  return {
    ask,
    state: async (resetLatency = false) => (await ask({ op: 'state', resetLatency })) as unknown as ObserverState,
    close: async () => {
      if (proc.exitCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      await ask({ op: 'close' });
      await exited;
    },
  };
}
