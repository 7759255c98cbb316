/** One Multi per core: the Multi API over worker threads (see sharded-multi.ts). */
export { ShardedMulti, type ShardedMultiOptions } from './sharded-multi.js';
