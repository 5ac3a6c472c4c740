/**
 * Header names Ordo writes and reads. Every event carries `ordo-id` and `ordo-type`;
 * `traceparent` (W3C Trace Context) is passed through untouched.
 */
export const HEADERS = {
  /** Stable id of the event, kept across retries, replays and relays (O6). */
  id: 'ordo-id',
  /** Event type, e.g. `user-updated`; selects the handler. */
  type: 'ordo-type',
  /** W3C trace context, copied from the published message to the consumed event. */
  traceparent: 'traceparent',
  /** Content type of the value, `application/json` for the JSON codec. */
  contentType: 'content-type',
} as const;

/** Headers as Ordo exposes them: names to UTF-8 strings. */
export type Headers = Readonly<Record<string, string>>;

/** Headers as drivers carry them: raw bytes or strings per name. */
export type RawHeaders = Readonly<Record<string, Buffer | string>>;

/** Decodes raw header bytes as UTF-8. */
export function headersFromRaw(raw: RawHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!raw) return out;
  for (const [name, value] of Object.entries(raw)) {
    out[name] = typeof value === 'string' ? value : value.toString('utf8');
  }
  return out;
}
