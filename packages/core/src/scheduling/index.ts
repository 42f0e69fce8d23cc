// The pure side of scheduling: misfire decisions, next-fire computation, event filters, external matching.
export * from './misfirePolicy.js';
export * from './cronOccurrences.js';
export * from './eventFilter.js';
export * from './externalMatch.js';
export * from './timerSpec.js';
export * from './scheduleErrors.js';
export * from './runRetry.js';
