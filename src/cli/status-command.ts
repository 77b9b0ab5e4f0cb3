import type { Command } from 'commander';
import type { GatewayStatus } from '../gateway/status.js';
import type { TickgateConfig } from '../config/schema.js';
import { readClusterView } from '../cluster/cluster-view.js';
import { connectCluster } from '../cluster/nats-connect.js';
import { globalOptions, loadFromCli, reportCliError } from './global-options.js';
import { formatRows } from './table.js';

export function addStatusCommand(program: Command): void {
  program
    .command('status')
    .description('query a running gateway: readiness, connections, sinks; with a cluster section also the cluster (instances, roles, leases, consumer lag)')
    .option('--url <url>', 'gateway base URL (default: from config, http://127.0.0.1:8080)')
    .option('--token <token>', 'access token (default: from config / TICKGATE_TOKEN)')
    .option('--json', 'print the raw status JSON')
    .action(async (opts: { url?: string; token?: string; json?: boolean }, cmd: Command) => {
      let cluster: string | Record<string, unknown> | null = null;
      try {
        const { config } = loadFromCli(globalOptions(cmd));
        // The cluster as NATS sees it does not need this process's gateway to be up.
        cluster = config.cluster ? await clusterSection(config.cluster, opts.json === true) : null;
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
          process.stdout.write(`${JSON.stringify({ ready, ...body, ...(cluster ? { cluster } : {}) }, null, 2)}\n`);
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
        if (typeof cluster === 'string') process.stdout.write(`\n${cluster}`);
      } catch (err) {
        if (typeof cluster === 'string') process.stdout.write(`${cluster}\n`);
        reportCliError(err);
      }
    });
}

/**
 * The cluster view: as text for the table output, as an object for --json. NATS unreachable is
 * reported in the view, not thrown: the gateway part of the status still prints.
 */
async function clusterSection(c: NonNullable<TickgateConfig['cluster']>, json: boolean): Promise<string | Record<string, unknown>> {
  let nc;
  try {
    nc = await connectCluster({ servers: c.nats, name: 'tickgate-status', connectTimeoutMs: c.connectTimeoutMs, reconnectWaitMs: c.reconnectWaitMs });
  } catch (err) {
    const msg = `cluster ${c.namespace}: NATS unreachable: ${err instanceof Error ? err.message : String(err)}`;
    return json ? { namespace: c.namespace, error: msg } : `${msg}\n`;
  }
  try {
    const v = await readClusterView(nc, c.namespace);
    if (json) return v as unknown as Record<string, unknown>;
    const lines = [`cluster ${v.namespace}: ${v.stream ? `stream ${v.stream.messages} messages (seq ${v.stream.firstSeq}..${v.stream.lastSeq}, ${v.stream.bytes} B)` : 'no events stream yet'}`];
    for (const e of v.errors) lines.push(`  ${e}`);
    lines.push('', formatRows(v.instances.map((i) => ({ ...i, shards: i.shards.join(','), lagMessages: i.lagMessages ?? '' })), ['instance', 'role', 'shards', 'lagMessages'], 'table'));
    lines.push('', formatRows(v.leases as unknown as Record<string, unknown>[], ['shard', 'slot', 'instance', 'renewedAgoMs', 'expiresInMs'], 'table'));
    lines.push('', formatRows(v.consumers as unknown as Record<string, unknown>[], ['durable', 'pending', 'ackPending', 'redelivered', 'ackFloorSeq'], 'table'));
    return `${lines.join('\n')}\n`;
  } finally {
    await nc.close().catch(() => undefined);
  }
}
