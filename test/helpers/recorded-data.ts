/**
 * The real recorded exchange data ships with the repository (test/fixtures/recorded, MIT, see its
 * README for the attribution), so a fresh clone runs every real-data test. TICKGATE_RECORDED_DATA
 * points elsewhere (a larger private recording with the same layout).
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export const RECORDED_DATA_DIR = process.env.TICKGATE_RECORDED_DATA ?? resolve(repoRoot, 'test/fixtures/recorded');

export const BINANCE_SPOT_DIR = resolve(RECORDED_DATA_DIR, 'binance-spot');
export const BINANCE_FRAMES = resolve(BINANCE_SPOT_DIR, 'btcusdt-20240808.frames.gz');
export const BINANCE_DEPTH_SNAPSHOT = resolve(BINANCE_SPOT_DIR, 'btcusdt-20240808.depth-snapshot.json');
