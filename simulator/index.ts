/** Public API of the venue simulator. */
export {
  startSimulator, Simulator, HistoryError, type SimulatorOptions, type SimulatorUrls, type SimulatorClock, type HistoryOptions, type HistoryResult,
} from './simulator.js';
export {
  FaultController, FaultSpecError, FAULT_KINDS, VENUES, faultSpecSchema,
  type FaultKind, type FaultSpec, type ActiveFault, type FaultLogEntry, type VenueId, type MatchScope,
} from './faults.js';
export { GroundTruth, type TruthTrade, type TruthDepthUpdate, type TruthBook, type TradeQuery } from './ground-truth.js';
export { Replayer, ReplayError, parseRecordedLine, openRecordedLines, type ReplayOptions, type ReplayResult, type ReplaySpeed, type RecordedFrame } from './replay.js';
export { Generator, RateProfileError, burstProfile, type Lane, type GeneratorOptions, type RateProfile, type RateStep } from './generator.js';
export { TradeRing, ColumnRing, TruthModeError, type TradeCodec, type TradeSummary } from './trade-ring.js';
export { SymbolMarket, type SimTrade, type SimAggTrade, type BookLevels } from './market.js';
export { Prng } from './prng.js';
export { cryptoSpec, equitySpec, isCryptoSymbol, formatUnits, formatUnitsTrimmed, type SymbolSpec } from './symbols.js';
export { isUsMarketOpen, type MarketHoursMode } from './equities/ws.js';
export { UserDataStreams, type UserEventType } from './binance/user-data.js';
export { wsTextFrame } from './ws-hub.js';
