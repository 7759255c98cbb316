/**
 * --trace-json FILE: one JSON object per line per transfer, in the order they end (`-`: stdout, after
 * the transfer's body). The file is created when the run starts; a file that cannot be written is
 * curl's write error (23), said once.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { HiperError } from '../shared/errors.js';
import { outputError } from './format.js';
import { outcomeJson, type Outcome } from './get-report.js';
import type { StdoutSlot } from './output.js';

export class TraceJson {
  private fd: number | undefined;
  /** Why the file could not be written, once it could not. */
  error: HiperError | undefined;

  constructor(private readonly target: string) {
    if (target === '-') return;
    try {
      this.fd = openSync(target, 'w');
    } catch (err) {
      this.error = outputError(target, err);
    }
  }

  write(o: Outcome, slot: StdoutSlot): void {
    const line = JSON.stringify(outcomeJson(o)) + '\n';
    if (this.target === '-') {
      void slot.write(Buffer.from(line));
      return;
    }
    if (this.fd === undefined) return;
    try {
      writeSync(this.fd, line);
    } catch (err) {
      this.error ??= outputError(this.target, err);
      this.close();
    }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
