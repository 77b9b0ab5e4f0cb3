/** `tickgate`: thin commands over the gateway and simulator APIs. */
import { Command } from 'commander';
import { addConfigCommand } from './config-command.js';
import { addDemoCommand } from './demo-command.js';
import { addQueryCommand } from './query-command.js';
import { addReplayCommand } from './replay-command.js';
import { addRunCommand } from './run-command.js';
import { addSimulateCommand } from './simulate-command.js';
import { addStatusCommand } from './status-command.js';

const program = new Command()
  .name('tickgate')
  .description('market-data gateway: resilient venue WebSockets, gap-free data, exact aggregates, durable sinks')
  .option('-c, --config <file>', 'config file (YAML or JSON); also TICKGATE_CONFIG')
  .option('--profile <name>', 'development | staging | production; also TICKGATE_PROFILE')
  .option('-v, --verbose', 'debug logging')
  .option('--skip-market-hours', 'open market-hours-gated feeds (equities) at any time')
  .showHelpAfterError();

addRunCommand(program);
addDemoCommand(program);
addSimulateCommand(program);
addReplayCommand(program);
addStatusCommand(program);
addQueryCommand(program);
addConfigCommand(program);

await program.parseAsync(process.argv);
