/**
 * src/resolve: host names to the ordered addresses connect tries. System resolver, DNS servers with a
 * chosen egress, DNS-over-HTTPS (RFC 8484), a TTL cache with in-flight sharing, pinned entries
 * (curl --resolve / --connect-to), RFC 6724 ordering and RFC 8305 interleaving.
 */
export { resolve, addressSelectionOf, DEFAULT_RESOLVE_TIMEOUT } from './resolve.js';
export {
  ResolveCache, defaultCache, DEFAULT_CACHE_MAX_TTL_MS, DEFAULT_CACHE_NEGATIVE_TTL_MS, DEFAULT_CACHE_MAX_ENTRIES,
  type ResolveCacheOptions,
} from './cache.js';
export { parseResolveEntry, findPinned, pinnedRecords, type ResolveEntry, type PinnedAddress } from './pinned.js';
export { parseConnectToEntry, applyConnectTo, type ConnectToEntry } from './connect-to.js';
export {
  orderAddresses, sortByRfc6724, interleaveFamilies, chooseSource, prepareSources,
  type OrderOptions, type SourceCandidate, type PreparedSource, type Orderable,
} from './order.js';
export { classify, policyTable, DEFAULT_POLICY, type Classified, type PolicyTable, type PolicyRow } from '../shared/address-policy.js';
export { parseGaiConf, gaiConfPolicy, systemPolicy, type GaiConf } from './gai-conf.js';
export { systemLookup, type LookupFunction, type SystemLookupOptions } from './system.js';
export { parseDnsServer, parseDnsServerList, planDnsServers, dnsServersIdentity, type DnsServer, type DnsServersConfig, type DnsServersPlan } from './servers.js';
export { dnsServersLookup } from './dns/lookup.js';
export { DEFAULT_DNS_TRIES, DEFAULT_DNS_TRY_TIMEOUT_MS, type DnsAttempt } from './dns/client.js';
export type { DnsQueryMessage } from './dns/egress.js';
export { dohLookup, checkDohOptions, dohEndpoint, dohIdentity, type DohEndpoint } from './doh/lookup.js';
export { checkDohResponse, DEFAULT_DOH_MAX_BYTES, MAX_CNAME_CHAIN, type DohResponse, type DohAnswer, type DohCheckOptions } from './doh/check.js';
export { encodeQuery, dohRequest, DNS_MESSAGE, type DohRequest, type DohQueryType } from './doh/message.js';
export { familyLabel } from './errors.js';
export type { IpVersion, ResolveOptions, Resolver, DohTransport, DohTransportRequest, DohTransportResponse, DohOptions, DohConnectionInfo, LowerLookup, LowerLookupRequest } from './types.js';
