/**
 * diagnostics_channel channels under "hiper:". Publishing costs nothing measurable when nobody
 * subscribes (hasSubscribers is checked first), so they stay on the hot paths.
 *
 *   hiper:connect:start     { host, port, interface? }
 *   hiper:connect:skip      { host, port, skip }                 an address the egress cannot serve
 *   hiper:connect:attempt   { host, port, attempt }              an attempt started
 *   hiper:connect:success   { host, port, trace }
 *   hiper:connect:failure   { host, port, error }
 *   hiper:transfer:start    { transfer }
 *   hiper:transfer:headers  { transfer, status, headers }
 *   hiper:transfer:done     { transfer, info }
 *   hiper:transfer:error    { transfer, error }
 *   hiper:dns:query         { name, type, server, transport, method, device?, localAddress?, reason?, try? }
 *                           a query to an explicit DNS server and how it leaves (src/resolve/dns/egress.ts)
 */
import { channel } from 'node:diagnostics_channel';

export const channels = {
  connectStart: channel('hiper:connect:start'),
  connectSkip: channel('hiper:connect:skip'),
  connectAttempt: channel('hiper:connect:attempt'),
  connectSuccess: channel('hiper:connect:success'),
  connectFailure: channel('hiper:connect:failure'),
  transferStart: channel('hiper:transfer:start'),
  transferHeaders: channel('hiper:transfer:headers'),
  transferDone: channel('hiper:transfer:done'),
  transferError: channel('hiper:transfer:error'),
  dnsQuery: channel('hiper:dns:query'),
} as const;
