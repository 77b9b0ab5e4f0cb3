export * from './feed-integrity.js';
export * from './book-sync.js';
export * from './order-book.js';
export * from './sequence-tracker.js';
export * from './trade-gap-filler.js';
export * from './dedup.js';
export * from './timers.js';
export * from './recent-trade-backfill.js';
