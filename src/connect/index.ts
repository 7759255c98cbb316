/** src/connect: open a connection from the right place, with Happy Eyeballs, binding and a trace; and the DoH transport built on it. */
export { connect, DEFAULT_ATTEMPT_DELAY, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_CONCURRENT_ATTEMPTS } from './connect.js';
export { parsePortRange, type PortRange } from './ports.js';
export { planAttempts, planLinkAttempts, type Plan, type Candidate } from './plan.js';
export { resolveEgress, type Egress } from './egress.js';
export { checkInterfaceOptions, interfaceLinks, type ListedLink } from './link-list.js';
export { SourcePool, checkSourceOptions, isSourcePool, SOURCE_POLICIES, type PoolSource, type RandomSource } from './source-pool.js';
export { sourcePoolFor } from './source-pools.js';
export type { ConnectOptions, Connection, ConnectTrace, Attempt, Connector, TlsConnectOptions } from './types.js';
export { EGRESS_KEYS, pickEgress, type EgressOptions, type FamilySources, type KeepAliveOptions, type SocketInfo, type SocketOptions, type SourcePolicy } from './egress-options.js';
export { httpsTransport, type HttpsTransportOptions } from './doh-transport.js';
export { trustIdentity, egressIdentity, objectIdentity } from './identity.js';
