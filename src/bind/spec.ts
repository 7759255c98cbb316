/**
 * The interface spec, with libcurl's CURLOPT_INTERFACE meanings:
 *   NAME              an interface of that name if one exists, else a host name or address
 *   if!NAME           that interface only; a missing interface is an error
 *   host!HOST         that local address or host name only
 *   ifhost!NAME!HOST  that interface and that local address (split at the first "!" after the prefix)
 */
import { HiperError } from '../shared/errors.js';

export type InterfaceSpec =
  | { kind: 'dev'; iface: string; host: string }
  | { kind: 'if'; iface: string }
  | { kind: 'host'; host: string }
  | { kind: 'ifhost'; iface: string; host: string };

/** Linux IFNAMSIZ is 16 with the terminating NUL. */
const MAX_IFACE_NAME = 15;

function bad(spec: string, why: string): HiperError {
  return new HiperError('ERR_INVALID_INTERFACE_SPEC', `invalid interface spec "${spec}": ${why}`, { input: spec });
}

function checkIface(spec: string, name: string): string {
  if (name === '') throw bad(spec, 'the interface name is empty');
  if (name.length > MAX_IFACE_NAME) throw bad(spec, `interface name "${name}" is longer than ${MAX_IFACE_NAME} characters`);
  if (/[\s/]/.test(name)) throw bad(spec, `interface name "${name}" contains a space or "/"`);
  return name;
}

function checkHost(spec: string, host: string): string {
  if (host === '') throw bad(spec, 'the host part is empty');
  if (/\s/.test(host)) throw bad(spec, `host "${host}" contains white space`);
  return host;
}

export function parseInterfaceSpec(spec: string): InterfaceSpec {
  if (typeof spec !== 'string') {
    throw new HiperError('ERR_INVALID_INTERFACE_SPEC', `interface spec must be a string, got ${typeof spec}`, { input: spec });
  }
  if (spec === '') throw bad(spec, 'it is empty');
  if (spec.startsWith('if!')) return { kind: 'if', iface: checkIface(spec, spec.slice(3)) };
  if (spec.startsWith('host!')) return { kind: 'host', host: checkHost(spec, spec.slice(5)) };
  if (spec.startsWith('ifhost!')) {
    const rest = spec.slice(7);
    const bang = rest.indexOf('!');
    if (bang < 0) throw bad(spec, 'expected ifhost!INTERFACE!HOST');
    return { kind: 'ifhost', iface: checkIface(spec, rest.slice(0, bang)), host: checkHost(spec, rest.slice(bang + 1)) };
  }
  // A bare word: an interface if one has that name, else a host. Either reading must be possible.
  checkHost(spec, spec);
  return { kind: 'dev', iface: spec, host: spec };
}

/**
 * The `interface` option: one spec, or an ordered list of them (first preferred). An empty list, or a
 * list naming the same spec twice, is bad input.
 */
export function parseInterfaceList(value: string | readonly string[]): InterfaceSpec[] {
  if (!Array.isArray(value)) return [parseInterfaceSpec(value as string)];
  if (value.length === 0) throw new HiperError('ERR_INVALID_INTERFACE_SPEC', 'interface list is empty: give at least one spec', { input: 'interface' });
  const seen = new Set<string>();
  return value.map((spec: string) => {
    const parsed = parseInterfaceSpec(spec);
    if (seen.has(spec)) throw bad(spec, 'it is in the interface list twice');
    seen.add(spec);
    return parsed;
  });
}

/** The spec in its canonical written form. */
export function formatInterfaceSpec(spec: InterfaceSpec): string {
  switch (spec.kind) {
    case 'dev': return spec.iface;
    case 'if': return `if!${spec.iface}`;
    case 'host': return `host!${spec.host}`;
    case 'ifhost': return `ifhost!${spec.iface}!${spec.host}`;
  }
}
