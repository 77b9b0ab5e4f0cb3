export * from './events.js';
export * from './aggregates.js';
export * from './errors.js';
export * from './decimal.js';
