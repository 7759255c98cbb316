/** hiper's HTTP/1.1 wire code: the pipelined response parser and the request writer. */
export { ResponseParser } from './parser.js';
export { encodeRequest, encodeRequestHead, validateHeaders, writeEncoded, writeRequest } from './writer.js';
export type { EncodedRequest, HeaderList } from './writer.js';
export type {
  ParseErrorReason,
  ParserLimits,
  RequestSpec,
  ResponseHandler,
  ResponseHead,
  ResponseParserApi,
} from './types.js';
