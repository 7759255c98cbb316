/** src/bind: interfaces, interface specs, if2ip, zone ids and device binding. The ground floor. */
export { parseInterfaceSpec, parseInterfaceList, formatInterfaceSpec, type InterfaceSpec } from './spec.js';
export { InterfaceTable, linkUsable, addressUsable, type NetworkInterface, type InterfaceAddress } from './interfaces.js';
export { interfaceTable, watchInterfaces, diffTables, type InterfaceChange, type InterfaceListener } from './live.js';
export { routeGet, type Unavailable } from './netlink/kernel.js';
export type { OperState, AddressFlag, RouteInfo, RouteQuery } from './netlink/messages.js';
export { enrichInterfaces, type EnrichedInterface, type InterfaceDetails } from './enrich.js';
export { if2ip, type If2IpResult, type RemoteAddress } from './if2ip.js';
export { selectSource, commonPrefixLen, type SelectableSource, type SourceChoice, type SourceRule, type SourceSelectOptions } from './source-select.js';
export { parseAddress, parseAddressLiteral, addressFamily, addressScope, formatWithZone, type ParsedAddress, type AddressScope } from './address.js';
export { parseZonedAddress, resolveZone, type ZonedAddress } from './zone.js';
export { deviceBinding, openBoundSocket, openBoundUdpFd, connectBoundSocket, type DeviceBindingStatus, type OpenSocketOptions } from './device.js';
export { setSocketOption, getSocketOption, getSocketOptionInt } from './device.js';
export { checkSocketOptions } from './socket-options.js';
