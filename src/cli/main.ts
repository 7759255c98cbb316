#!/usr/bin/env node
/** The `hiper` command. */
import { parseArgs } from 'node:util';
import { isHiperError } from '../shared/errors.js';
import { ifacesCommand } from './ifaces.js';

const USAGE = `usage: hiper <command> [options]

commands:
  ifaces [--json]    interfaces, their addresses and scopes, and whether device binding is available
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'ifaces': {
      const { values } = parseArgs({ args: rest, options: { json: { type: 'boolean', default: false } } });
      return ifacesCommand({ json: values.json ?? false });
    }
    case undefined:
    case '-h':
    case '--help':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`hiper: unknown command "${command}"\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    process.stderr.write(`hiper: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = isHiperError(err) ? err.exitCode : 1;
  },
);
