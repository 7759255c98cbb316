/**
 * HiperHttpsAgent: an https.Agent whose connections leave from hiper's egress. TLS is Node's own
 * tls.connect over hiper's socket, with every option an https.Agent takes (ca, client certificates,
 * servername, ALPNProtocols...) and the Agent's TLS session cache.
 */
import https from 'node:https';
import type { RequestOptions } from 'node:https';
import type { Duplex } from 'node:stream';
import { checkEgressOptions, splitEgressOptions, type AdapterEgressOptions } from './options.js';
import { agentTls, openAgentConnection, type AgentConnectionOptions, type SecureLayer } from './agent-connection.js';

/** Node's https Agent options (TLS options, keepAlive...) and hiper's egress options. */
export type HiperHttpsAgentOptions = Omit<https.AgentOptions, keyof AdapterEgressOptions> & AdapterEgressOptions;

export class HiperHttpsAgent extends https.Agent {
  /** The egress every connection of this agent takes. */
  readonly egress: Readonly<AdapterEgressOptions>;
  private readonly secure: SecureLayer;

  constructor(options: HiperHttpsAgentOptions = {}) {
    const { egress, rest } = splitEgressOptions(options);
    checkEgressOptions(egress);
    super(rest);
    this.egress = egress;
    this.secure = agentTls(this, egress);
  }

  override createConnection(options: RequestOptions, oncreate?: (err: Error | null, socket: Duplex) => void): undefined {
    openAgentConnection({ agent: this, egress: this.egress, options: options as AgentConnectionOptions, oncreate, secure: this.secure });
    return undefined;
  }
}
