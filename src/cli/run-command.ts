import type { Command } from 'commander';
import { startGateway } from '../gateway/index.js';
import { createLogger } from '../observability/logger.js';
import { globalOptions, loadFromCli, reportCliError } from './global-options.js';
import { onShutdownSignal } from './signals.js';

export function addRunCommand(program: Command): void {
  program
    .command('run')
    .description('run the gateway from the config (file + env + profile)')
    .option('-p, --port <port>', 'downstream server port', (v) => Number(v))
    .action(async (opts: { port?: number }, cmd: Command) => {
      try {
        const loaded = loadFromCli(globalOptions(cmd), opts.port !== undefined ? { server: { port: opts.port } } : {});
        const logger = createLogger({ level: loaded.config.log.level }, undefined, loaded.config.log.file);
        const gateway = await startGateway(loaded.config, { logger });
        process.stderr.write(`tickgate running: ${gateway.url ?? '(server disabled)'} (profile ${loaded.config.profile})\n`);
        onShutdownSignal(() => gateway.stop());
      } catch (err) {
        reportCliError(err);
      }
    });
}
