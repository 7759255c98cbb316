/**
 * undici's and node's URL parsers reject a zone id ("http://[fe80::1%25eth0]:8080/"). splitZone() takes
 * it out: the URL without the zone for the client, the zone for the adapter's `zone` option.
 */
import { parseTargetUrl } from '../shared/url.js';

export interface SplitUrl {
  /** The URL with the address bracketed but without its zone. */
  url: string;
  /** The zone ("eth0"), if the URL had one. */
  zone?: string;
}

export function splitZone(input: string | URL): SplitUrl {
  const target = parseTargetUrl(input);
  if (target.zone === undefined) return { url: target.href };
  return { url: target.href.replace(`[${target.hostname}%25${target.zone}]`, `[${target.hostname}]`), zone: target.zone };
}
