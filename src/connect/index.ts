/** src/connect: open a connection from the right place, with Happy Eyeballs, binding and a trace. */
export { connect, DEFAULT_ATTEMPT_DELAY, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_CONCURRENT_ATTEMPTS } from './connect.js';
export { parsePortRange, type PortRange } from './ports.js';
export { planAttempts, type Plan, type Candidate } from './plan.js';
export { resolveEgress, type Egress } from './egress.js';
export type { ConnectOptions, Connection, ConnectTrace, Attempt, Connector, TlsConnectOptions } from './types.js';
