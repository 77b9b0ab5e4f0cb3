/** Options every command shares, and turning them into a loaded config. */
import type { Command } from 'commander';
import { loadConfig, type LoadedConfig } from '../config/index.js';
import { isTickgateError } from '../model/errors.js';

export interface GlobalOptions {
  readonly config?: string;
  readonly profile?: string;
  readonly verbose?: boolean;
  readonly skipMarketHours?: boolean;
}

export function globalOptions(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals<GlobalOptions>();
}

/** Loads config from --config, the environment and flags; flags win. */
export function loadFromCli(opts: GlobalOptions, cli: Record<string, unknown> = {}): LoadedConfig {
  const flags: Record<string, unknown> = { ...cli };
  if (opts.verbose) flags.log = { ...(flags.log as object | undefined), level: 'debug' };
  if (opts.skipMarketHours) flags.marketHours = { skip: true };
  return loadConfig({ file: opts.config ?? process.env.TICKGATE_CONFIG, profile: opts.profile, env: process.env, cli: flags });
}

/** Prints an error the way a user needs it (code, message, context) and sets a failing exit code. */
export function reportCliError(err: unknown): void {
  if (isTickgateError(err)) {
    process.stderr.write(`tickgate: ${err.code}: ${err.message}\n`);
  } else {
    process.stderr.write(`tickgate: ${(err as Error)?.stack ?? String(err)}\n`);
  }
  process.exitCode = 1;
}
