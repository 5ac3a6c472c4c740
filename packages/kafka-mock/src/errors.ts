/** Codes of {@link KafkaMockError}. */
export type KafkaMockErrorCode =
  | 'KAFKA_MOCK_LIBRDKAFKA_NOT_FOUND'
  | 'KAFKA_MOCK_UNKNOWN_API'
  | 'KAFKA_MOCK_INVALID_ARGUMENT'
  | 'KAFKA_MOCK_CLOSED'
  | 'KAFKA_MOCK_CALL_FAILED';

/** Every error `@ordo/kafka-mock` throws: a stable `code` and a message that says what to do. */
export class KafkaMockError extends Error {
  readonly code: KafkaMockErrorCode;
  constructor(code: KafkaMockErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KafkaMockError';
    this.code = code;
  }
}
