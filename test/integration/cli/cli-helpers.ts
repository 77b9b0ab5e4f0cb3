/** Runs the real CLI (`node --import tsx src/cli/main.ts ...`) as a child process. */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const MAIN = join(REPO, 'src/cli/main.ts');

export interface CliResult { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

export interface CliProcess {
  readonly proc: ChildProcess;
  readonly result: Promise<CliResult>;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of re in stdout+stderr; rejects on exit or timeout. */
  waitForOutput(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
}

/** Environment without the caller's TICKGATE_* / WEBSOCKET_* settings, so only the test's count. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(TICKGATE_|WEBSOCKET_)/.test(k)) env[k] = v;
  return { ...env, ...extra };
}

export function startCli(args: readonly string[], env: NodeJS.ProcessEnv = cleanEnv()): CliProcess {
  const proc = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  proc.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  const result = new Promise<CliResult>((res) => proc.on('close', (code, signal) => res({ code, signal, stdout: out, stderr: err })));
  let exited = false;
  void result.then(() => { exited = true; });
  return {
    proc, result, stdout: () => out, stderr: () => err,
    async waitForOutput(re, timeoutMs = 30_000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const m = (out + err).match(re);
        if (m) return m;
        if (exited) throw new Error(`CLI exited before printing ${re}; stdout: ${out.slice(-1500)} stderr: ${err.slice(-1500)}`);
        if (Date.now() > end) throw new Error(`CLI did not print ${re} within ${timeoutMs} ms; stdout: ${out.slice(-1500)} stderr: ${err.slice(-1500)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

export async function runCli(args: readonly string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  const p = startCli(args, opts.env);
  const timer = setTimeout(() => p.proc.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
  try {
    return await p.result;
  } finally {
    clearTimeout(timer);
  }
}
