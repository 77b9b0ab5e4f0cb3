/** Profiles: named partial configs applied above the schema defaults and below file/env. */
import type { PlainObject } from './layers.js';

export type ProfileName = 'development' | 'staging' | 'production';

export const PROFILES: Readonly<Record<ProfileName, PlainObject>> = {
  development: {
    log: { level: 'info' },
  },
  staging: {
    log: { level: 'info' },
    connection: { breakerFailureThreshold: 3, breakerRecoveryMs: 15_000 },
  },
  production: {
    log: { level: 'warn' },
    connection: { breakerFailureThreshold: 5, breakerMaxRecoveryMs: 60_000 },
    storage: { spoolFsync: 'always' },
  },
};
