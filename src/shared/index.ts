export * from './errors.js';
export * from './types.js';
export * from './clock.js';
export * from './url.js';
export * from './diagnostics.js';
