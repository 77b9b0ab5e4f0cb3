/** Fault steps shared by the chaos scenarios: inject, wait until it bit, end it, mark it cleared. */
import { expect } from 'vitest';
import type { FaultSpec } from '../../../simulator/faults.js';
import type { ChaosRig, ChaosVenue } from './rig.js';
import { waitFor } from './rig.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Failed connection attempts of a venue's feed since start. */
export function failedAttempts(rig: ChaosRig, venue: ChaosVenue): number {
  return rig.feed(venue).connectionList().reduce((n, c) => n + c.stats().failedAttempts, 0);
}

/** A fault that breaks live sockets (silent, no-pong): wait for the reconnect it forces, then clear. */
export async function untilReconnect(rig: ChaosRig, venue: ChaosVenue, spec: FaultSpec, timeoutMs = 10_000): Promise<void> {
  const before = rig.reconnects(venue);
  const gen = rig.generation(venue);
  const f = rig.sim.faults.inject({ ...spec, venue });
  // The fault holds new connections too: wait until at least one attempt failed under it.
  await waitFor(() => failedAttempts(rig, venue) > 0 || rig.reconnects(venue) > before, timeoutMs, `${spec.kind}: the feed noticed and retried`);
  rig.sim.faults.clear(f.id);
  rig.markCleared([venue], gen);
}

/** One-shot socket fault (close): fires at once; recovery is measured from the injection to data on a new socket. */
export function oneShot(rig: ChaosRig, venue: ChaosVenue, spec: FaultSpec): Promise<void> {
  const gen = rig.generation(venue);
  rig.sim.faults.inject({ ...spec, venue });
  rig.markCleared([venue], gen);
  return Promise.resolve();
}

/**
 * A fault on new connections (stall/delay/reset the upgrade): inject it, drop the live socket
 * (close 1001), wait until `attempts` reconnect attempts failed under it, then clear it.
 */
export async function holdReconnects(rig: ChaosRig, venue: ChaosVenue, spec: FaultSpec, attempts = 1, timeoutMs = 15_000): Promise<void> {
  const gen = rig.generation(venue);
  const f = rig.sim.faults.inject({ ...spec, venue });
  rig.sim.faults.inject({ kind: 'close', code: 1001, reason: 'going away', venue });
  await waitFor(() => failedAttempts(rig, venue) >= attempts, timeoutMs, `${spec.kind}: ${attempts} failed reconnect attempt(s)`);
  rig.sim.faults.clear(f.id);
  rig.markCleared([venue], gen);
}

/** Whole-port refusal while the live socket is dropped; the port comes back after durationMs. */
export async function refuse(rig: ChaosRig, venue: ChaosVenue, durationMs: number): Promise<void> {
  const gen = rig.generation(venue);
  rig.sim.faults.inject({ kind: 'refuse', durationMs });
  rig.sim.faults.inject({ kind: 'close', code: 1001, reason: 'going away', venue });
  await sleep(durationMs); // the fault's own duration: the port listens again after it
  rig.markCleared([venue], gen);
  expect(failedAttempts(rig, venue), 'reconnects were refused').toBeGreaterThan(0);
}

/**
 * A fault with a count (skip/repeat/malformed): wait until all of it was applied. `breaksSocket`:
 * recovery needs data on a new socket (truncated ws frame).
 */
export async function untilConsumed(rig: ChaosRig, venue: ChaosVenue, spec: FaultSpec, breaksSocket = false, timeoutMs = 10_000): Promise<void> {
  const gen = breaksSocket ? rig.generation(venue) : null;
  const f = rig.sim.faults.inject({ ...spec, venue });
  await waitFor(() => !rig.sim.faults.list().some((a) => a.id === f.id), timeoutMs, `${spec.kind} ${spec.stream ?? ''}: applied ${spec.count ?? ''} times`);
  rig.markCleared([venue], gen);
}

/** A fault active for a while (throttle, stop-stream): hold it until `bitten`, then clear. */
export async function holdUntil(rig: ChaosRig, venue: ChaosVenue, spec: FaultSpec, bitten: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const f = rig.sim.faults.inject({ ...spec, venue });
  await waitFor(bitten, timeoutMs, what);
  rig.sim.faults.clear(f.id);
  // A stopped stream has recovered when that stream delivers again.
  rig.markCleared([venue], null, spec.kind === 'stop-stream' ? spec.stream ?? null : null);
}
