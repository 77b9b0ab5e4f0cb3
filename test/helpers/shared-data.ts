/**
 * The real recorded exchange data lives in shared/ beside the repository (../shared/data), on a
 * developer's machine and in CI alike. TICKGATE_SHARED_DATA overrides it.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export const SHARED_DATA_DIR = process.env.TICKGATE_SHARED_DATA
  ?? [resolve(repoRoot, '../shared/data'), '/work/shared/data'].find((d) => existsSync(d))
  ?? resolve(repoRoot, '../shared/data');

export const BINANCE_SPOT_DIR = resolve(SHARED_DATA_DIR, 'binance-spot');
export const BINANCE_FRAMES = resolve(BINANCE_SPOT_DIR, 'btcusdt-20240808.frames.gz');
export const BINANCE_DEPTH_SNAPSHOT = resolve(BINANCE_SPOT_DIR, 'btcusdt-20240808.depth-snapshot.json');
