#!/usr/bin/env node
/** The `hiper` command: presentation over the library, nothing more. */
import { ERROR_CODES } from '../shared/errors.js';
import { isUsageError, parse, JSON_FLAG, flag } from './args.js';
import { connectCommand, CONNECT_USAGE } from './connect-cmd.js';
import { demoCommand } from './demo.js';
import { EXIT_WRITE_ERROR, errorLines, exitCodeOf } from './format.js';
import { getCommand, GET_USAGE } from './get-cmd.js';
import { ifacesCommand } from './ifaces.js';
import { resolveCommand, RESOLVE_USAGE } from './resolve-cmd.js';
import { versionCommand } from './version.js';
import { WRITE_OUT_VARIABLES } from './write-out.js';

/** Exit codes: curl's, one line per code with the hiper error codes that give it. */
function exitCodeLines(): string {
  const byExit = new Map<number, string[]>([
    [2, ['usage: an unknown flag or a bad value']],
    [22, ['--fail and an HTTP status >= 400']],
  ]);
  for (const [code, info] of Object.entries(ERROR_CODES)) byExit.set(info.exit, [...(byExit.get(info.exit) ?? []), code]);
  return [...byExit.entries()].sort(([a], [b]) => a - b).map(([exit, codes]) => `  ${String(exit).padStart(3)}  ${codes.join(', ')}`).join('\n');
}

export const USAGE = `usage: hiper <command> [options]

commands:
  ifaces [--json]
      interfaces, state, type, addresses with scope and scope id; whether device binding is available
  ${RESOLVE_USAGE}
      the ordered address list connect would try, with source and TTL
  ${CONNECT_USAGE}
      the plan, each attempt and skip with its reason, and the winner
  ${GET_USAGE}
      transfers through one Multi (sequential unless --parallel or --pipeline)
  demo
      a short tour on an embedded loopback server (what npm start runs)
  -V, --version
      hiper's version, the Node.js running it, and which device-binding addon is loaded
      (prebuilt, built at install, or absent)

Flags have curl's names and meanings. --interface takes curl's syntax: NAME, if!NAME, host!ADDR,
ifhost!NAME!ADDR. -w takes curl's \\n \\t \\r \\\\ escapes, %% and @file (@- for stdin); variables:
  ${WRITE_OUT_VARIABLES.map((v) => `%{${v}}`).join(' ')}

--json prints one JSON document: for ifaces { deviceBinding, interfaces }; for resolve { host, family,
elapsedMs, addresses: [{ address, family, scopeId?, ttl?, source }] }; for connect { ok: true, trace } or
{ ok: false, host, port, error: { code, message, input, attempts, skips } }; for get one object per line
per transfer, in the order they end: { url, ok, status, httpVersion, bytes, headers?, error?, info }.

exit codes (curl's where they correspond):
    0  success
${exitCodeLines()}
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'ifaces': {
      const { values } = parse(rest, JSON_FLAG, 'ifaces');
      return ifacesCommand({ json: flag(values, 'json') });
    }
    case 'resolve':
      return resolveCommand(rest);
    case 'connect':
      return connectCommand(rest);
    case 'get':
      return getCommand(rest);
    case 'demo':
      return demoCommand();
    case '-V':
    case '--version':
      return versionCommand();
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(USAGE);
      return 0;
    case undefined:
      process.stderr.write(USAGE);
      return 2;
    default:
      process.stderr.write(`hiper: unknown command "${command}" (hiper --help lists them)\n`);
      return 2;
  }
}

// A reader that went away (`hiper get ... | head`) ends the run quietly with curl's write error, as the
// rest of the output has nowhere to go.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(EXIT_WRITE_ERROR);
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (isUsageError(err)) {
      process.stderr.write(`hiper: ${(err as Error).message}\n`);
      process.exitCode = 2;
      return;
    }
    for (const l of errorLines(err)) process.stderr.write(`hiper: ${l}\n`);
    process.exitCode = exitCodeOf(err);
  },
);
