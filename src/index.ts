/** hiper: egress-aware networking for Node.js. The library surface, layer by layer. */
export * from './shared/index.js';
export * from './bind/index.js';
