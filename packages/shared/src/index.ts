export * from './error-codes.js';
export * from './run.js';
export * from './sweep.js';
export * from './dataset-spec.js';
export * from './model.js';
export * from './worker-protocol.js';
export * from './http-limits.js';
export * from './list-limits.js';
