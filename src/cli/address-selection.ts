/**
 * The flags of RFC 6724 address selection that resolve and connect share: --gai-conf FILE orders
 * addresses by that file's precedence and label lines instead of /etc/gai.conf's, and
 * --prefer-temporary sends from temporary IPv6 addresses before public ones (RFC 5014's
 * IPV6_PREFER_SRC_TMP) where hiper chooses the source.
 */
import { HiperError } from '../shared/errors.js';
import { gaiConfPolicy, type ResolveOptions } from '../resolve/index.js';
import { flag, str, usageError, type Values } from './args.js';

export const ADDRESS_SELECTION_FLAGS = {
  'gai-conf': { type: 'string' },
  'prefer-temporary': { type: 'boolean' },
} as const;

export function addressSelectionOptions(values: Values): Pick<ResolveOptions, 'addressSelection'> {
  const file = str(values, 'gai-conf');
  const preferTemporary = flag(values, 'prefer-temporary');
  if (file === undefined && !preferTemporary) return {};
  if (file !== undefined) {
    try {
      gaiConfPolicy(file); // read now: a bad file is a usage error before anything is sent
    } catch (err) {
      throw usageError('--gai-conf', `--gai-conf: ${err instanceof HiperError ? err.message : String(err)}`);
    }
  }
  return { addressSelection: { ...(file !== undefined ? { gaiConf: file } : {}), ...(preferTemporary ? { preferTemporary: true } : {}) } };
}
