/** Public surface of aggregation and enrichment. */
export { Aggregator, type AggregatorOptions, type AggregatorOutput, type AggregatorStats, type RawTradeOutput, type EnrichmentSource } from './aggregator.js';
export type { AggregateSeed } from './resume-seed.js';
export { startFlushTimer, type FlushTimerOptions } from './flush-timer.js';
export { SessionCalendar, alwaysOpen, effectiveCalendar, type MarketCalendar, type SessionCalendarOptions } from './market-hours.js';
export type { LatePolicy, TimeWindowStats } from './time-window-fold.js';
export { EnrichmentRunner, EnrichmentTimeoutError, defaultOrderFlowWorkerFile, type EnrichmentRunnerOptions, type EnrichmentCalculator, type TaskRunner } from './enrich/enrichment-runner.js';
export { computeOrderFlow, type OrderFlowInput, type OrderFlowResult, type FlowBin } from './enrich/order-flow.js';
