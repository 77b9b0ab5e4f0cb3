/**
 * Chaos: Binance spot (connection + venue adapter + integrity) against the simulator while each
 * fault class is injected. Afterwards every trade the simulator generated is delivered exactly
 * once and in id order per symbol, and every book equals the simulator's.
 */
import { afterAll, describe, it } from 'vitest';
import { commonScenarios, restScenarios } from './helpers/scenarios.js';
import { printTable, results, runScenario } from './helpers/scenario.js';

const SCENARIO_TIMEOUT_MS = 45_000;
const ONLY = process.env.CHAOS_ONLY;

describe('chaos: binance spot against the misbehaving simulator', () => {
  afterAll(() => printTable('chaos: binance', results));

  for (const s of [...commonScenarios('binance'), ...restScenarios()].filter((x) => ONLY === undefined || x.name.includes(ONLY))) {
    it(`${s.name}: no trade lost or duplicated, books equal the simulator's`, () => runScenario(s), SCENARIO_TIMEOUT_MS);
  }
});
