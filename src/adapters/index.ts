/**
 * src/adapters: hiper's egress control for undici / fetch (a connector) and node:http / node:https
 * (Agents). Every socket they open keeps its connect trace (traceOf).
 */
export { hiperConnector, UNDICI_CONNECT_TIMEOUT, type HiperConnectorOptions, type UndiciConnector, type UndiciConnectParams, type UndiciConnectCallback } from './undici.js';
export { HiperAgent, type HiperAgentOptions } from './http-agent.js';
export { HiperHttpsAgent, type HiperHttpsAgentOptions } from './https-agent.js';
export { traceOf } from './trace.js';
export { splitZone, type SplitUrl } from './zone-url.js';
export type { AdapterEgressOptions } from './options.js';
