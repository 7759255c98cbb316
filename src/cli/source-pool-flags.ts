/** --source-pool ADDR[,ADDR...] or PREFIX/LEN with --freebind, and --source-policy. */
import { HiperError } from '../shared/errors.js';
import { parseInterfaceSpec } from '../bind/index.js';
import { SOURCE_POLICIES, sourcePoolFor, type EgressOptions, type SourcePolicy } from '../connect/index.js';
import { flag, list, str, usageError, type Values } from './args.js';

export function sourcePoolFlagOptions(values: Values): Pick<EgressOptions, 'localAddress' | 'sourcePolicy' | 'freebind'> {
  const pool = str(values, 'source-pool');
  const policy = str(values, 'source-policy');
  const freebind = flag(values, 'freebind');
  if (pool === undefined) {
    if (policy !== undefined) throw usageError('--source-policy', '--source-policy chooses among the addresses of --source-pool, which is not given');
    if (freebind) throw usageError('--freebind', '--freebind (IP_FREEBIND) applies to --source-pool, which is not given');
    return {};
  }
  const specs = list(values, 'interface');
  if (specs.length > 1) {
    throw usageError('--source-pool', `--source-pool and the --interface list ${specs.join(', ')} exclude each other: give each link its address with ifhost!NAME!ADDR, or one --interface`);
  }
  for (const spec of specs) {
    const { kind } = parseInterfaceSpec(spec);
    if (kind === 'host' || kind === 'ifhost') {
      throw usageError('--source-pool', `--source-pool and --interface ${spec} exclude each other: both say which local address to use`);
    }
  }
  if (policy !== undefined && !(SOURCE_POLICIES as readonly string[]).includes(policy)) {
    throw usageError('--source-policy', `--source-policy expects ${SOURCE_POLICIES.join(', ')}, got "${policy}"`);
  }
  const options: Pick<EgressOptions, 'localAddress' | 'sourcePolicy' | 'freebind'> = { localAddress: pool.split(',') };
  if (policy !== undefined) options.sourcePolicy = policy as SourcePolicy;
  if (freebind) options.freebind = true;
  try {
    sourcePoolFor(options); // a bad entry is a usage error naming the flag and the entry
  } catch (err) {
    if (!(err instanceof HiperError)) throw err;
    throw usageError('--source-pool', `--source-pool: ${err.message}`);
  }
  return options;
}
