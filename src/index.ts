/** hiper: egress-aware networking for Node.js. The library surface, layer by layer. */
export * from './shared/index.js';
export * from './bind/index.js';
export * from './resolve/index.js';
export * from './connect/index.js';
export * from './multi/index.js';
export * from './adapters/index.js';
