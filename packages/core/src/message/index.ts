export { HEADERS, headersFromRaw, type Headers, type RawHeaders } from './headers.js';
export type { OutgoingMessage, OrdoMessage, ConsumedEvent } from './message.js';
export { jsonCodec, type Codec } from './json-codec.js';
