import type { Command } from 'commander';
import { REPLAY_VENUES, replayRecording, type BybitCategory, type ReplayVenue } from '../gateway/replay.js';
import { globalOptions, loadFromCli, reportCliError } from './global-options.js';
import { progressBar } from './progress.js';
import type { TickgateConfig } from '../config/schema.js';

/** The venue's fast-path switch (venues.<venue>.fastPath) applies to a replay as to a live run; undefined for a venue without one. */
export function replayFastPath(config: Pick<TickgateConfig, 'venues'>, venue: string): boolean | undefined {
  const v = config.venues;
  if (venue === 'binance') return v.binance.fastPath;
  if (venue === 'binance-futures') return v.binanceFutures.fastPath;
  if (venue === 'bybit') return v.bybit.fastPath;
  return undefined;
}

export function addReplayCommand(program: Command): void {
  program
    .command('replay <file>')
    .description('replay a recorded-frames file through decode, integrity and aggregation into sinks (deterministic)')
    .requiredOption('--venue <venue>', REPLAY_VENUES.join(' | '))
    .option('--category <category>', 'bybit only: spot | linear (default spot)')
    .option('--snapshot <file>', 'REST depth snapshot (JSON) to build books from')
    .option('--sink <spec...>', 'sink specs, e.g. sqlite:./replay.db jsonl:./out/ postgres://... (none = dry run)')
    .action(async (file: string, opts: { venue: string; category?: string; snapshot?: string; sink?: string[] }, cmd: Command) => {
      try {
        const { config } = loadFromCli(globalOptions(cmd));
        const a = config.aggregate;
        const fastPath = replayFastPath(config, opts.venue);
        const bar = progressBar(process.stderr);
        const started = Date.now();
        const s = await replayRecording({
          file, venue: opts.venue as ReplayVenue, snapshotFile: opts.snapshot, sinks: opts.sink ?? [], fastPath,
          ...(opts.category !== undefined ? { category: opts.category as BybitCategory } : {}),
          candleTradeKinds: config.venues.binanceFutures.candleTradeKinds,
          aggregate: {
            allowedLatenessMs: a.allowedLatenessMs, latePolicy: a.latePolicy, amendHistoryMs: a.amendHistoryMs,
            tickCandleTicks: a.tickCandleTicks, timeCandleIntervalsMs: a.timeCandleIntervalsMs,
            volumeBarSize: a.volumeBarSize, storeRawTrades: a.storeRawTrades, skipMarketHours: true,
          },
          onProgress: (p) => bar.update(p.bytesRead / Math.max(1, p.totalBytes), `${p.frames} frames`),
        });
        bar.done();
        const rows = [
          ['frames', s.frames], ['skipped lines', s.skippedLines], ['malformed frames', s.malformed], ['events', s.events],
          ['trades aggregated', s.trades], ['gaps detected', s.gapsDetected], ['book resyncs', s.bookResyncs],
          ['fast path frames', fastPath === false ? 'off' : `${s.fastPath.fast} (${s.fastPath.fallback} fell back to JSON.parse)`],
          ['1 s snapshots', s.snapshots], ['candles', s.candles], ['raw trades', s.rawTrades],
          ...Object.entries(s.written).map(([k, v]) => [`written to ${k}`, v] as const),
          ['recording span', s.firstFrameMs !== null && s.lastFrameMs !== null ? `${((s.lastFrameMs - s.firstFrameMs) / 1000).toFixed(1)} s` : '-'],
          ['took', `${((Date.now() - started) / 1000).toFixed(2)} s`],
        ] as const;
        for (const [k, v] of rows) process.stdout.write(`${String(k).padEnd(20)} ${v}\n`);
      } catch (err) {
        reportCliError(err);
      }
    });
}
