import type { Command } from 'commander';
import { startSimulator } from '../../simulator/index.js';
import { createLogger } from '../observability/logger.js';
import { globalOptions, reportCliError } from './global-options.js';
import { onShutdownSignal } from './signals.js';

export function addSimulateCommand(program: Command): void {
  program
    .command('simulate')
    .description('run the venue simulator (Binance, Bybit, US equities) on one loopback port')
    .option('-p, --port <port>', 'port (0 = any free port)', (v) => Number(v), 9443)
    .option('--seed <n>', 'seed of the data generator', (v) => Number(v), 1)
    .option('--rate <n>', 'trade events per second across all symbols', (v) => Number(v), 50)
    .option('--symbols <list>', 'comma-separated symbols (USDT pairs go to Binance/Bybit, others to equities)')
    .option('--market-hours <mode>', 'equities session: real | always-open | always-closed', 'real')
    .action(async (opts: { port: number; seed: number; rate: number; symbols?: string; marketHours: string }, cmd: Command) => {
      try {
        if (!['real', 'always-open', 'always-closed'].includes(opts.marketHours)) {
          throw new Error(`--market-hours "${opts.marketHours}": expected real, always-open or always-closed`);
        }
        const g = globalOptions(cmd);
        const sim = await startSimulator({
          port: opts.port, seed: opts.seed, rate: opts.rate,
          symbols: opts.symbols ? opts.symbols.split(',').map((s) => s.trim()).filter(Boolean) : undefined,
          marketHours: opts.marketHours as 'real' | 'always-open' | 'always-closed',
          logger: createLogger({ level: g.verbose ? 'debug' : 'info' }),
        });
        process.stdout.write(`tickgate simulator on 127.0.0.1:${sim.port}\n`);
        for (const [name, url] of Object.entries(sim.urls)) process.stdout.write(`  ${name.padEnd(22)} ${url}\n`);
        onShutdownSignal(() => sim.close());
      } catch (err) {
        reportCliError(err);
      }
    });
}
