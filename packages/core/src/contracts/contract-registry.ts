import { Ajv, type AnySchema, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import {
  ContractViolationError,
  InvalidConfigError,
  InvalidSchemaError,
  UnknownEventTypeError,
  type ContractViolation,
} from '../errors.js';

// ajv-formats is CommonJS with `exports.default`; NodeNext sees the module object.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as unknown as (
  ajv: Ajv,
) => Ajv;

/** A JSON Schema (draft-07 or 2019-09 subset that ajv supports). */
export type JsonSchema = AnySchema;

/** What a topic promises about its messages. */
export interface TopicContract {
  /** Every message needs a non-empty key; keyless publishes are refused. @default true */
  readonly keyed?: boolean;
  /** JSON Schema of each event type's value. @default {} */
  readonly events?: Readonly<Record<string, JsonSchema>>;
  /**
   * Refuse event types without a schema. With `false`, unknown types pass unvalidated.
   * @default true
   */
  readonly strictTypes?: boolean;
}

interface CompiledTopic {
  readonly keyed: boolean;
  readonly strictTypes: boolean;
  readonly validators: ReadonlyMap<string, ValidateFunction>;
}

/**
 * JSON-Schema contracts per topic and event type, on ajv. Schemas are compiled once,
 * when registered; validation reports every violation with its JSON Pointer.
 *
 * @example
 * const contracts = new ContractRegistry().topic('users', {
 *   keyed: true,
 *   events: { 'user-created': { type: 'object', required: ['id'], properties: { id: { type: 'string' } } } },
 * });
 */
export class ContractRegistry {
  private readonly ajv: Ajv;
  private readonly topics = new Map<string, CompiledTopic>();

  constructor() {
    this.ajv = addFormats(new Ajv({ allErrors: true, strict: true }));
  }

  /** Registers a topic's contract. Throws `InvalidSchemaError` for a schema that does not compile. */
  topic(name: string, contract: TopicContract): this {
    if (this.topics.has(name)) throw new InvalidConfigError(`contracts.${name}`, 'is registered twice');
    const validators = new Map<string, ValidateFunction>();
    for (const [type, schema] of Object.entries(contract.events ?? {})) {
      try {
        validators.set(type, this.ajv.compile(schema));
      } catch (error) {
        throw new InvalidSchemaError(name, type, error);
      }
    }
    this.topics.set(name, {
      keyed: contract.keyed ?? true,
      strictTypes: contract.strictTypes ?? true,
      validators,
    });
    return this;
  }

  /** Whether the topic has a registered contract. */
  has(topic: string): boolean {
    return this.topics.has(topic);
  }

  /** Whether the topic is declared keyed. Topics without a contract are not. */
  isKeyed(topic: string): boolean {
    return this.topics.get(topic)?.keyed ?? false;
  }

  /** Event types with a schema on the topic. */
  types(topic: string): string[] {
    return [...(this.topics.get(topic)?.validators.keys() ?? [])];
  }

  /**
   * Checks a value against its topic and type. Topics without a contract pass.
   * @throws ContractViolationError listing every violation
   * @throws UnknownEventTypeError for a type the strict topic does not declare
   */
  validate(topic: string, type: string, value: unknown): void {
    const compiled = this.topics.get(topic);
    if (!compiled) return;
    const validate = compiled.validators.get(type);
    if (!validate) {
      if (compiled.strictTypes) throw new UnknownEventTypeError(topic, type, this.types(topic));
      return;
    }
    if (!validate(value)) {
      throw new ContractViolationError(topic, type, (validate.errors ?? []).map(toViolation));
    }
  }
}

function toViolation(error: ErrorObject): ContractViolation {
  // `required` and `additionalProperties` name the property in params, not in the path.
  const property =
    (error.params as { missingProperty?: string }).missingProperty ??
    (error.params as { additionalProperty?: string }).additionalProperty;
  const path = property === undefined ? error.instancePath : `${error.instancePath}/${escapePointer(property)}`;
  return { path, message: error.message ?? error.keyword };
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}
