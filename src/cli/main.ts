#!/usr/bin/env node
/** The `hiper` command: presentation over the library, nothing more. */
import { isUsageError, parse, JSON_FLAG, flag } from './args.js';
import { ERROR_CODES } from '../shared/errors.js';

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'ifaces': {
      const { values } = parse(rest, { ...JSON_FLAG, details: { type: 'boolean' }, watch: { type: 'boolean' } }, 'ifaces');
      const stop = new AbortController();
      for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => stop.abort());
      const { ifacesCommand } = await import('./ifaces.js');
      return ifacesCommand({ json: flag(values, 'json'), details: flag(values, 'details'), watch: flag(values, 'watch'), signal: stop.signal });
    }
    // Each command is loaded only when it runs (and the usage text, and the error formatting, only when
    // they are shown): `hiper ifaces` loads the interface table's modules and little else.
    case 'resolve':
      return (await import('./resolve-cmd.js')).resolveCommand(rest);
    case 'connect':
      return (await import('./connect-cmd.js')).connectCommand(rest);
    case 'get':
      return (await import('./get-cmd.js')).getCommand(rest);
    case 'demo':
      return (await import('./demo.js')).demoCommand();
    case '-V':
    case '--version':
      return (await import('./version.js')).versionCommand();
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write((await import('./usage.js')).USAGE);
      return 0;
    case undefined:
      process.stderr.write((await import('./usage.js')).USAGE);
      return 2;
    default:
      process.stderr.write(`hiper: unknown command "${command}" (hiper --help lists them)\n`);
      return 2;
  }
}

// A reader that went away (`hiper resolve ... | head`) ends the run quietly with curl's write error, as
// the rest of the output has nowhere to go. `get` watches stdout itself: it ends its transfers, closes
// their files and connections, and exits 23 the same way.
if (process.argv[2] !== 'get') {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(ERROR_CODES.ERR_WRITE_OUTPUT.exit);
  });
}

// Awaited at the top: a command left waiting on something that can no longer happen ends the process
// with Node's 13 (unsettled top-level await), never with a 0 that would claim success.
try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err: unknown) {
  if (isUsageError(err)) {
    process.stderr.write(`hiper: ${(err as Error).message}\n`);
    process.exitCode = 2;
  } else {
    const { errorLines, exitCodeOf } = await import('./format.js');
    for (const l of errorLines(err)) process.stderr.write(`hiper: ${l}\n`);
    process.exitCode = exitCodeOf(err);
  }
}
