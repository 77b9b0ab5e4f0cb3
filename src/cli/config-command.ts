import type { Command } from 'commander';
import { formatConfig, loadConfig } from '../config/index.js';
import { configTable } from '../config/docs.js';
import { clusterDefaults } from '../config/defaults/cluster.js';
import { globalOptions, loadFromCli, reportCliError } from './global-options.js';

/** Passwords inside URL values (sink specs like postgres://user:pass@host) are secrets too. */
export function maskUrlPasswords(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^\s"/:@]*:)[^\s"@/]*@/gi, '$1***@');
}

export function addConfigCommand(program: Command): void {
  const config = program.command('config').description('inspect the effective configuration');
  config
    .command('print')
    .description('print every setting with its value and where it came from (default, profile, file, env, cli)')
    .action((_opts, cmd: Command) => {
      try {
        process.stdout.write(`${maskUrlPasswords(formatConfig(loadFromCli(globalOptions(cmd))))}\n`);
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
  config
    .command('docs')
    .description('print every option with its type, unit and default as a Markdown table')
    .action(() => {
      // The cluster section has no value unless configured: list its keys with their defaults too (instance null = hostname-pid).
      const config = loadConfig().config;
      process.stdout.write(`${configTable({ ...config, cluster: config.cluster ?? { ...clusterDefaults, instance: null } } as typeof config)}\n`);
    });
}
