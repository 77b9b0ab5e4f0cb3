/** The Binance-compatible endpoint (Binance's own wire format, WebSocket + REST). */
export { BinanceCompat, type BinanceCompatOptions, type BinanceCompatSettings } from './service.js';
export type { UpstreamControl } from './upstream-demand.js';
export { parseStream, upstreamStreamOf, type StreamSpec } from './streams.js';
export { CompatError } from './errors.js';
export { SPOT_DIALECT } from './frames.js';
export { USDM_DIALECT } from './usdm-frames.js';
export type { Dialect, DialectName } from './dialect.js';
