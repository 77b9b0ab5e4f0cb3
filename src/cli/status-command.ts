import type { Command } from 'commander';
import type { GatewayStatus } from '../gateway/status.js';
import { globalOptions, loadFromCli, reportCliError } from './global-options.js';
import { formatRows } from './table.js';

export function addStatusCommand(program: Command): void {
  program
    .command('status')
    .description('query a running gateway: readiness, connections, sinks')
    .option('--url <url>', 'gateway base URL (default: from config, http://127.0.0.1:8080)')
    .option('--token <token>', 'access token (default: from config / TICKGATE_TOKEN)')
    .option('--json', 'print the raw status JSON')
    .action(async (opts: { url?: string; token?: string; json?: boolean }, cmd: Command) => {
      try {
        const { config } = loadFromCli(globalOptions(cmd));
        const host = config.server.host === '0.0.0.0' ? '127.0.0.1' : config.server.host;
        const base = (opts.url ?? `http://${host}:${config.server.port}`).replace(/\/+$/, '');
        const token = opts.token ?? config.server.token ?? undefined;
        const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
        const [readyRes, connRes] = await Promise.all([
          fetch(`${base}/readyz`, { signal: AbortSignal.timeout(5000) }),
          fetch(`${base}/api/connections`, { headers, signal: AbortSignal.timeout(5000) }),
        ]);
        if (!connRes.ok) throw new Error(`${base}/api/connections answered HTTP ${connRes.status}${connRes.status === 401 ? ' (token required: --token or TICKGATE_TOKEN)' : ''}`);
        const ready = (await readyRes.json()) as { ready: boolean; reasons: Record<string, string> };
        const body = (await connRes.json()) as { status: GatewayStatus };
        if (opts.json) {
          process.stdout.write(`${JSON.stringify({ ready, ...body }, null, 2)}\n`);
          return;
        }
        const s = body.status;
        process.stdout.write(`gateway ${base}: ${ready.ready ? 'READY' : 'NOT READY'}\n`);
        for (const [k, v] of Object.entries(ready.reasons)) process.stdout.write(`  ${k}: ${v}\n`);
        process.stdout.write('\n');
        process.stdout.write(formatRows(s.connections.map((c) => ({
          ...c, lastFrameAgeMs: c.lastFrameAgeMs ?? '', breaker: c.breaker ? c.breaker.state : '', streams: c.streams.length,
          why: c.unhealthyReason ?? '',
        })), ['key', 'venue', 'state', 'healthy', 'lastFrameAgeMs', 'pingRttMs', 'reconnects', 'breaker', 'streams', 'why'], 'table'));
        process.stdout.write('\n');
        process.stdout.write(formatRows(s.sinks as unknown as Record<string, unknown>[], ['name', 'state', 'spoolRows', 'spoolBytes', 'written', 'lastError'], 'table'));
      } catch (err) {
        reportCliError(err);
      }
    });
}
