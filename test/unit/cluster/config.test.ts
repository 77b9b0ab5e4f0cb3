import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/schema.js';
import { clusterDefaults } from '../../../src/config/defaults/cluster.js';
import { loadConfig } from '../../../src/config/load.js';

describe('config section cluster', () => {
  it('is absent by default: the one-process config is unchanged', () => {
    const cfg = configSchema.parse({});
    expect(cfg.cluster).toBeUndefined();
  });

  it('an empty section takes every named default', () => {
    const cfg = configSchema.parse({ cluster: {} });
    expect(cfg.cluster).toEqual({ ...clusterDefaults, instance: null });
  });

  it('env-only: TICKGATE__cluster__* creates and fills the section', () => {
    const { config } = loadConfig({ env: { TICKGATE__cluster__role: 'processor', TICKGATE__cluster__shards: '8', TICKGATE__cluster__instance: 'p1' } });
    expect([config.cluster?.role, config.cluster?.shards, config.cluster?.instance, config.cluster?.namespace]).toEqual(['processor', 8, 'p1', 'tickgate']);
    expect(loadConfig({ env: {} }).config.cluster).toBeUndefined();
  });

  it('accepts roles, redundancy 2 and a server list', () => {
    const c = configSchema.parse({ cluster: { role: 'collector', redundancy: 2, instance: 'col-a', namespace: 'prod', nats: ['nats://a:4222', 'nats://b:4222'], shards: 64 } }).cluster!;
    expect([c.role, c.redundancy, c.instance, c.namespace, c.shards]).toEqual(['collector', 2, 'col-a', 'prod', 64]);
  });

  it.each([
    [{ role: 'router' }, 'role'],
    [{ redundancy: 3 }, 'redundancy'],
    [{ namespace: 'a.b' }, 'namespace'],
    [{ instance: 'has space' }, 'instance'],
    [{ shards: 0 }, 'shards'],
    [{ leaseTtlMs: 500 }, 'leaseTtlMs'],
    [{ leaseTtlMs: 4_000, leaseRenewIntervalMs: 3_000 }, 'leaseRenewIntervalMs'],
    [{ maxInFlightPublishes: 0 }, 'maxInFlightPublishes'],
    [{ duplicateWindowMs: 20_000 }, 'duplicateWindowMs'], // < 2 x (10 s TTL + 5 s publish timeout)
    [{ bogus: 1 }, ''],
  ])('rejects %j (path %s)', (cluster, path) => {
    const r = configSchema.safeParse({ cluster });
    expect(r.success).toBe(false);
    if (!r.success && path) expect(r.error.issues.some((i) => i.path.join('.') === `cluster.${path}`)).toBe(true);
  });
});
