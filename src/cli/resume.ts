/**
 * curl -C: where a download resumes, and what to do with the response to its range request. Pure, so
 * that curl 7.88's rules are a table: `-C -` is the size of the -o file (nothing to resume without one,
 * or when it is empty), `-C N` is N; a 206 is written after what is there, a 416 means the file is
 * already whole (success, nothing written), and so does a 200 exactly as long as the offset; any other
 * 200 is ERR_RANGE_NOT_SUPPORTED (exit 33), the file left as it was.
 */
import { statSync } from 'node:fs';
import { HiperError } from '../shared/errors.js';

/** The byte offset to resume from (0: no Range is sent). */
export function resumeOffset(resume: 'end' | number | undefined, output: string | undefined, sizeOf: (path: string) => number = fileSize): number {
  if (resume === undefined) return 0;
  if (resume !== 'end') return resume;
  return output !== undefined && output !== '-' ? sizeOf(output) : 0;
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

export type ResumeVerdict = 'write' | 'complete' | 'unsupported';

/** What a response to `Range: bytes=OFFSET-` means (`contentRange`: the response has a Content-Range). */
export function resumeVerdict(offset: number, status: number, contentLength: number | undefined, contentRange: boolean): ResumeVerdict {
  if (offset === 0) return 'write';
  if (status === 416) return 'complete';
  if (status === 206 || contentRange) return 'write';
  // Only a success says anything about the body; an error status (with --fail or not) is written as is.
  if (status < 200 || status >= 300) return 'write';
  return contentLength === offset ? 'complete' : 'unsupported';
}

export function rangeNotSupported(url: string): HiperError {
  return new HiperError('ERR_RANGE_NOT_SUPPORTED', "HTTP server doesn't seem to support byte ranges. Cannot resume.", { input: url });
}
