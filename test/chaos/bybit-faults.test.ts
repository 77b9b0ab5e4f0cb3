/**
 * Chaos: Bybit v5 public spot (connection + venue adapter + integrity) against the simulator while
 * each fault class is injected: books equal the simulator's, no trade duplicated or out of order,
 * and no trade lost where the trades stayed on the wire.
 *
 * KNOWN BUG (not fixed here): Bybit trades that never reach the client (socket down, frames
 * skipped or a stream stopped) are lost for good. FeedIntegrity only dedups Bybit trades (seq
 * null, no fetcher), because Bybit has no id-range trade REST endpoint (only
 * /v5/market/recent-trade, the last 60 spot trades) and the simulator serves no Bybit REST at all.
 * Those fault classes print their loss in the table; the deterministic it.fails test below pins it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { commonScenarios } from './helpers/scenarios.js';
import { printTable, results, runScenario } from './helpers/scenario.js';
import { ChaosRig, waitFor } from './helpers/rig.js';

const SCENARIO_TIMEOUT_MS = 45_000;
const ONLY = process.env.CHAOS_ONLY;

describe('chaos: bybit spot against the misbehaving simulator', () => {
  afterAll(() => printTable('chaos: bybit', results));

  for (const s of commonScenarios('bybit').filter((x) => ONLY === undefined || x.name.includes(ONLY))) {
    const what = s.dropsTrades ? 'no trade duplicated or out of order (loss: known bug)' : 'no trade lost or duplicated';
    it(`${s.name}: ${what}, books equal the simulator's`, async () => {
      await runScenario(s, { lossIsKnownBug: s.dropsTrades });
    }, SCENARIO_TIMEOUT_MS);
  }

  // KNOWN BUG: no Bybit trade backfill (see the file comment). Remove .fails once there is one.
  it.fails('skipped publicTrade frames are recovered (KNOWN BUG: Bybit has no trade backfill)', async () => {
    const rig = await ChaosRig.start({ venues: ['bybit'], symbols: ['BTCUSDT'] });
    try {
      await rig.waitForData();
      const f = rig.sim.faults.inject({ kind: 'skip', venue: 'bybit', stream: 'publicTrade', count: 3 });
      await waitFor(() => !rig.sim.faults.list().some((a) => a.id === f.id), 10_000, 'skip applied');
      await rig.waitForData();
      await rig.settle();
      const [t] = rig.trades('bybit');
      expect(t!.published).toBeGreaterThan(0);
      expect(t!.lost).toBe(0);
    } finally {
      await rig.close();
    }
  }, SCENARIO_TIMEOUT_MS);
});
