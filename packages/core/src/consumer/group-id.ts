import { InvalidConfigError } from '../errors.js';

// C0 controls and DEL: librdkafka passes the group id as a C string, so everything after
// a NUL is silently cut off (two ids differing only after it would share offsets), and
// no operator means a control character in a group name.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;
// A lone surrogate has no UTF-8 form: it would reach the broker as U+FFFD.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** Kafka encodes a group id as a protocol string: at most 32,767 bytes of UTF-8. */
const MAX_GROUP_ID_BYTES = 32_767;

/**
 * Refuses a consumer group id that would not reach the broker byte for byte.
 * @throws InvalidConfigError naming `field`
 */
export function validateGroupId(groupId: unknown, field: string): asserts groupId is string {
  if (typeof groupId !== 'string' || groupId === '') throw new InvalidConfigError(field, 'must be a non-empty string');
  if (CONTROL.test(groupId)) {
    throw new InvalidConfigError(field, `${JSON.stringify(groupId)} contains a control character (NUL, newline, ...)`);
  }
  if (LONE_SURROGATE.test(groupId)) {
    throw new InvalidConfigError(field, `${JSON.stringify(groupId)} is not valid Unicode (a lone surrogate)`);
  }
  if (Buffer.byteLength(groupId, 'utf8') > MAX_GROUP_ID_BYTES) {
    throw new InvalidConfigError(field, `is longer than Kafka's ${MAX_GROUP_ID_BYTES} bytes`);
  }
}
