/** hiper's HTTP/1.1 wire code: the pipelined response parser, the request check and the request writer. */
export { ResponseParser } from './parser.js';
export { encodeRequest, encodeRequestHead, writeEncoded, writeRequest } from './writer.js';
export { validateHeaders } from './request-check.js';
export type { EncodedRequest } from './writer.js';
export type { HeaderList } from './request-check.js';
export type {
  ParseErrorReason,
  ParserLimits,
  RequestSpec,
  ResponseHandler,
  ResponseHead,
  ResponseParserApi,
} from './types.js';
