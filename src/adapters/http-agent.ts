/**
 * HiperAgent: an http.Agent whose connections leave from hiper's egress (interface, local address,
 * family, Happy Eyeballs with bind fallback). Pooling and keep-alive are the base Agent's, so it works
 * wherever an Agent does: http.request / http.get, got, axios.
 */
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { checkEgressOptions, splitEgressOptions, type AdapterEgressOptions } from './options.js';
import { openAgentConnection, type AgentConnectionOptions } from './agent-connection.js';

/** Node's Agent options (keepAlive, maxSockets...) and hiper's egress options (which take precedence where the names meet). */
export type HiperAgentOptions = Omit<http.AgentOptions, keyof AdapterEgressOptions> & AdapterEgressOptions;

export class HiperAgent extends http.Agent {
  /** The egress every connection of this agent takes. */
  readonly egress: Readonly<AdapterEgressOptions>;

  constructor(options: HiperAgentOptions = {}) {
    const { egress, rest } = splitEgressOptions(options);
    checkEgressOptions(egress);
    super(rest);
    this.egress = egress;
  }

  override createConnection(options: http.ClientRequestArgs, oncreate?: (err: Error | null, socket: Duplex) => void): undefined {
    openAgentConnection({ agent: this, egress: this.egress, options: options as AgentConnectionOptions, oncreate });
    return undefined;
  }
}
