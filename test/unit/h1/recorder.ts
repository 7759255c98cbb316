/** A ResponseHandler that records what the parser reports, for the h1 tests. */
import { ResponseParser } from '../../../src/multi/h1/index.js';
import type { ParserLimits, ResponseHandler, ResponseHead } from '../../../src/multi/h1/index.js';

export interface Recorded {
  informational: number[];
  head: ResponseHead;
  body: Buffer;
  /** The Buffers onBody received, as given (to check they are slices of the input). */
  slices: Buffer[];
  trailers?: Array<[string, string]>;
  complete: boolean;
}

export class Recorder implements ResponseHandler {
  readonly responses: Recorded[] = [];
  private informational: number[] = [];
  private current: Recorded | undefined;

  /** Methods of the outstanding requests, oldest first. */
  constructor(readonly methods: string[]) {}

  onResponseStart(): string | undefined {
    this.informational = [];
    return this.methods.shift();
  }
  onInformational(statusCode: number): void {
    this.informational.push(statusCode);
  }
  onHead(head: ResponseHead): void {
    this.current = { informational: this.informational, head, body: Buffer.alloc(0), slices: [], complete: false };
    this.responses.push(this.current);
  }
  onBody(chunk: Buffer): void {
    this.current!.slices.push(chunk);
  }
  onTrailers(trailers: Array<[string, string]>): void {
    this.current!.trailers = trailers;
  }
  onComplete(): void {
    const r = this.current!;
    r.body = Buffer.concat(r.slices);
    r.complete = true;
  }
}

/** Feeds the pieces to a new parser, then finish() when `eof`; returns what was recorded. */
export function parse(
  pieces: Buffer | Buffer[],
  methods: string[],
  options: { limits?: ParserLimits; eof?: boolean } = {},
): { recorder: Recorder; parser: ResponseParser } {
  const recorder = new Recorder([...methods]);
  const parser = new ResponseParser(recorder, options.limits);
  for (const p of Array.isArray(pieces) ? pieces : [pieces]) parser.execute(p);
  if (options.eof) parser.finish();
  return { recorder, parser };
}

/** Every byte its own Buffer (slices of one allocation, like a socket's reads). */
export function bytewise(input: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < input.length; i++) out.push(input.subarray(i, i + 1));
  return out;
}

/** The input cut at the given offsets. */
export function splitAt(input: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.filter((c) => c > 0 && c < input.length))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(input.subarray(prev, p));
    prev = p;
  }
  out.push(input.subarray(prev));
  return out;
}

/** Heads, bodies and trailers in a form deepEqual can compare. */
export function summary(recorder: Recorder): unknown[] {
  return recorder.responses.map((r) => ({
    informational: r.informational,
    head: r.head,
    body: r.body.toString('latin1'),
    trailers: r.trailers,
    complete: r.complete,
  }));
}
