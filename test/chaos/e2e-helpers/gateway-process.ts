/** The real gateway as a child process (gateway-child.ts): started from a JSON config file, stopped with SIGTERM or killed. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { getJson, waitFor } from '../../integration/gateway/helpers.js';

const FIXTURE = fileURLToPath(new URL('./gateway-child.ts', import.meta.url));

export class GatewayChild {
  readonly proc: ChildProcess;
  url: string | null = null;
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(configFile: string) {
    this.proc = spawn(process.execPath, ['--import', 'tsx', FIXTURE, configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    createInterface({ input: this.proc.stdout! }).on('line', (l) => { this.url = (JSON.parse(l) as { url: string }).url; });
    this.proc.stderr!.on('data', (d: Buffer) => { this.stderr += d.toString(); });
    this.exited = new Promise((resolve) => this.proc.on('exit', (code, signal) => resolve({ code, signal })));
  }

  async ready(): Promise<void> {
    await waitFor(() => this.url !== null || this.proc.exitCode !== null, 'child gateway started', 30_000);
    if (this.url === null) throw new Error(`child gateway exited: ${this.stderr.slice(-2000)}`);
    await waitFor(async () => (await getJson(`${this.url}/readyz`).catch(() => ({ status: 0 }))).status === 200, 'child /readyz 200', 30_000);
  }

  running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Graceful stop; resolves with the exit code. */
  async stop(): Promise<number | null> {
    this.proc.kill('SIGTERM');
    return (await this.exited).code;
  }

  async kill9(): Promise<NodeJS.Signals | null> {
    this.proc.kill('SIGKILL');
    return (await this.exited).signal;
  }
}
