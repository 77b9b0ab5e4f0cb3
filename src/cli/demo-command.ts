import type { Command } from 'commander';
import { startDemo } from '../gateway/index.js';
import { createLogger } from '../observability/logger.js';
import { globalOptions, reportCliError } from './global-options.js';
import { onShutdownSignal } from './signals.js';

export function addDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('offline demo: venue simulator + gateway + SQLite + downstream server + dashboard')
    .option('-p, --port <port>', 'gateway port (dashboard and downstream WebSocket)', (v) => Number(v), 8080)
    .option('--data <dir>', 'where SQLite and the spool live', './data')
    .option('--rate <n>', 'simulated trades per second', (v) => Number(v), 40)
    .option('--seed <n>', 'simulator seed', (v) => Number(v), 1)
    .option('--duration <s>', 'stop after this many seconds (default: run until Ctrl-C)', (v) => Number(v))
    .action(async (opts: { port: number; data: string; rate: number; seed: number; duration?: number }, cmd: Command) => {
      try {
        const g = globalOptions(cmd);
        const logger = createLogger({ level: g.verbose ? 'debug' : 'warn' });
        const demo = await startDemo({ port: opts.port, dataDir: opts.data, rate: opts.rate, seed: opts.seed, logger, env: process.env });
        const url = demo.gateway.url ?? '';
        process.stdout.write([
          'tickgate demo running (offline: simulated venues)',
          `  dashboard:  ${url}/`,
          `  downstream: ${url.replace(/^http/, 'ws')}/ws   (subscribe e.g. {"op":"subscribe","channels":["candles.t100.binance.BTCUSDT"]})`,
          `  metrics:    ${url}/metrics     ready: ${url}/readyz`,
          `  simulator:  ${demo.simulator.urls.admin}   (fault injection API)`,
          `  storage:    sqlite in ${opts.data}/tickgate.db   (try: node bin/tickgate.js query --sqlite ${opts.data}/tickgate.db --symbol BTCUSDT --interval 1m)`,
          'Ctrl-C to stop.',
          '',
        ].join('\n'));
        const summary = setInterval(() => {
          const s = demo.gateway.status();
          const conns = s.connections.filter((c) => c.healthy).length;
          const eps = s.venues.reduce((a, v) => a + v.eventsPerSec, 0);
          const sinks = s.sinks.map((k) => `${k.name}:${k.state}`).join(' ');
          process.stdout.write(`[${new Date(s.time).toISOString().slice(11, 19)}] connections ${conns}/${s.connections.length} healthy | ${eps.toFixed(0)} events/s | snapshots ${s.aggregates.snapshots} candles ${s.aggregates.candles} | gaps ${s.venues.reduce((a, v) => a + v.gapsDetected, 0)} filled ${s.venues.reduce((a, v) => a + v.gapsFilled, 0)} | ${sinks} | clients ${s.clients.clients}\n`);
        }, 5_000);
        summary.unref();
        const stop = async (): Promise<void> => { clearInterval(summary); await demo.stop(); };
        onShutdownSignal(stop);
        if (opts.duration !== undefined) setTimeout(() => { void stop().then(() => process.exit(0)); }, opts.duration * 1000);
      } catch (err) {
        reportCliError(err);
      }
    });
}
