export { loadConfig, formatConfig, type LoadOptions, type LoadedConfig } from './load.js';
export { configSchema, type TickgateConfig, type TickgateConfigInput } from './schema.js';
export { PROFILES, type ProfileName } from './profiles.js';
export { ENV_SHORTCUTS, SEED_ENV_SECONDS } from './env.js';
export type { ConfigSource } from './layers.js';
