import type { Command } from 'commander';
import { formatConfig } from '../config/index.js';
import { globalOptions, loadFromCli, reportCliError } from './global-options.js';

export function addConfigCommand(program: Command): void {
  const config = program.command('config').description('inspect the effective configuration');
  config
    .command('print')
    .description('print every setting with its value and where it came from (default, profile, file, env, cli)')
    .action((_opts, cmd: Command) => {
      try {
        process.stdout.write(`${formatConfig(loadFromCli(globalOptions(cmd)))}\n`);
      } catch (err) {
        reportCliError(err);
      }
    });
  config
    .command('check')
    .description('validate the configuration and exit 0, or print what is wrong and exit 1')
    .action((_opts, cmd: Command) => {
      try {
        loadFromCli(globalOptions(cmd));
        process.stdout.write('config ok\n');
      } catch (err) {
        reportCliError(err);
      }
    });
}
