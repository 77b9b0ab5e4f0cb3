/**
 * Runnable entry: `node --import tsx simulator/main.ts --port 9100 --seed 7 --rate 500 --symbols BTCUSDT,AAPL`.
 * Load flags: --venues binance[,bybit..] --random-bursts on|off --max-streams N
 * --history-trades-per-symbol N --tick-ms N --weight-limit-per-min N. Prints the URLs (one JSON line) and runs until SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import { startSimulator } from './index.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    seed: { type: 'string' },
    rate: { type: 'string' },
    symbols: { type: 'string' },
    'market-hours': { type: 'string' },
    venues: { type: 'string' },
    'history-trades-per-symbol': { type: 'string' },
    'max-streams': { type: 'string' },
    'random-bursts': { type: 'string' },
    'tick-ms': { type: 'string' },
    'weight-limit-per-min': { type: 'string' },
  },
  strict: true,
});

function int(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) {
    process.stderr.write(`--${name} must be a non-negative integer, got "${text}"\n`);
    process.exit(2);
  }
  return n;
}

const mh = values['market-hours'];
if (mh !== undefined && mh !== 'real' && mh !== 'always-open' && mh !== 'always-closed') {
  process.stderr.write('--market-hours must be real | always-open | always-closed\n');
  process.exit(2);
}

const VENUE_IDS = ['binance', 'binance-futures', 'bybit', 'equities'] as const;
const venues = values.venues?.split(',').map((v) => v.trim()).filter((v) => v.length > 0);
if (venues?.some((v) => !(VENUE_IDS as readonly string[]).includes(v))) {
  process.stderr.write(`--venues takes a list of ${VENUE_IDS.join(' | ')}\n`);
  process.exit(2);
}
const bursts = values['random-bursts'];
if (bursts !== undefined && bursts !== 'on' && bursts !== 'off') {
  process.stderr.write('--random-bursts must be on | off\n');
  process.exit(2);
}
const maxStreams = int('max-streams', values['max-streams']);
const weight = int('weight-limit-per-min', values['weight-limit-per-min']);
const history = int('history-trades-per-symbol', values['history-trades-per-symbol']);
const tickMs = int('tick-ms', values['tick-ms']);

const sim = await startSimulator({
  ...(venues !== undefined ? { venues: venues as (typeof VENUE_IDS)[number][] } : {}),
  ...(bursts !== undefined ? { randomBursts: bursts === 'on' } : {}),
  binance: { ...(maxStreams !== undefined ? { maxStreams } : {}), ...(weight !== undefined ? { weightLimitPerMin: weight } : {}) },
  ...(history !== undefined ? { historyTradesPerSymbol: history } : {}),
  ...(tickMs !== undefined ? { tickMs } : {}),
  port: int('port', values.port) ?? 0,
  ...(values.seed !== undefined ? { seed: int('seed', values.seed) } : {}),
  ...(values.rate !== undefined ? { rate: int('rate', values.rate) } : {}),
  ...(values.symbols !== undefined ? { symbols: values.symbols.split(',').map((s) => s.trim()).filter((s) => s.length > 0) } : {}),
  ...(mh !== undefined ? { marketHours: mh } : {}),
});
process.stdout.write(`${JSON.stringify({ simulator: 'listening', port: sim.port, urls: sim.urls })}\n`);

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  void sim.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
