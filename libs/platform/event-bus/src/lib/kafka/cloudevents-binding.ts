import { describeZodError, Envelope, envelopeSchema } from '@shopnest/contracts';
import type { IHeaders, Message } from 'kafkajs';

/**
 * CloudEvents 1.0 Kafka protocol binding, binary content mode: the attributes travel as `ce_*`
 * headers, `data` as the record value (JSON), and the record key is the partitioning key.
 * Binary mode keeps the value a plain JSON document, readable by tools that know nothing of
 * CloudEvents, and lets consumers route on headers without parsing the body.
 */
export const CE_HEADERS = {
  specversion: 'ce_specversion',
  id: 'ce_id',
  type: 'ce_type',
  source: 'ce_source',
  subject: 'ce_subject',
  time: 'ce_time',
  /** Our extension attribute: the per-aggregate sequence number. */
  sequence: 'ce_sequence',
} as const;

export const CONTENT_TYPE_HEADER = 'content-type';

/**
 * The CloudEvents distributed-tracing extension: optional, written only when the event carries it
 * (tracing on), so the next service continues the sender's trace.
 */
export const CE_TRACE_HEADERS = {
  traceparent: 'ce_traceparent',
  tracestate: 'ce_tracestate',
} as const;

const REQUIRED_HEADERS = [...Object.values(CE_HEADERS), CONTENT_TYPE_HEADER];

/** What `decodeRecord` reads: the fields of a kafkajs `KafkaMessage` that carry the event. */
export interface RecordLike {
  key: Buffer | null;
  value: Buffer | null;
  headers?: IHeaders;
}

export type DecodeResult =
  | { ok: true; event: Envelope }
  | { ok: false; reason: string; headers: Record<string, string> };

/** Encodes one envelope as a Kafka record (binary mode); `data: undefined` becomes a null value. */
export function encodeRecord(key: string, event: Envelope): Message {
  return {
    key,
    value: event.data === undefined ? null : Buffer.from(JSON.stringify(event.data), 'utf8'),
    headers: {
      [CE_HEADERS.specversion]: event.specversion,
      [CE_HEADERS.id]: event.id,
      [CE_HEADERS.type]: event.type,
      [CE_HEADERS.source]: event.source,
      [CE_HEADERS.subject]: event.subject,
      [CE_HEADERS.time]: event.time,
      [CE_HEADERS.sequence]: String(event.sequence),
      [CONTENT_TYPE_HEADER]: event.datacontenttype,
      ...(event.traceparent === undefined ? {} : { [CE_TRACE_HEADERS.traceparent]: event.traceparent }),
      ...(event.tracestate === undefined ? {} : { [CE_TRACE_HEADERS.tracestate]: event.tracestate }),
    },
  };
}

/** Header values as strings; a repeated header keeps its last value, as CloudEvents allows one. */
export function headersToStrings(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(headers ?? {})) {
    const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
    if (value !== undefined) out[name] = value.toString();
  }
  return out;
}

/**
 * Decodes a record into an envelope, or says why it cannot: missing headers, a value that is
 * not JSON, or attributes that fail `envelopeSchema`. Never throws, so one bad record cannot
 * stop a consumer.
 */
export function decodeRecord(record: RecordLike): DecodeResult {
  const headers = headersToStrings(record.headers);
  const missing = REQUIRED_HEADERS.filter((name) => headers[name] === undefined);
  if (missing.length > 0) return { ok: false, reason: `missing headers: ${missing.join(', ')}`, headers };

  let data: unknown;
  if (record.value !== null) {
    try {
      data = JSON.parse(record.value.toString('utf8'));
    } catch (error) {
      return { ok: false, reason: `value is not JSON: ${(error as Error).message}`, headers };
    }
  }

  const sequence = headers[CE_HEADERS.sequence] as string;
  const parsed = envelopeSchema.safeParse({
    specversion: headers[CE_HEADERS.specversion],
    id: headers[CE_HEADERS.id],
    type: headers[CE_HEADERS.type],
    source: headers[CE_HEADERS.source],
    subject: headers[CE_HEADERS.subject],
    time: headers[CE_HEADERS.time],
    datacontenttype: headers[CONTENT_TYPE_HEADER],
    // Only digits count: Number('') or Number('0x1') would quietly turn garbage into a number.
    sequence: /^\d+$/.test(sequence) ? Number(sequence) : sequence,
    data,
    ...traceAttributes(headers),
  });
  if (!parsed.success) return { ok: false, reason: `invalid envelope: ${describeZodError(parsed.error)}`, headers };
  return { ok: true, event: parsed.data as Envelope };
}

/** The tracing extension's attributes that the headers carry, and no key for one they do not. */
function traceAttributes(headers: Record<string, string>): { traceparent?: string; tracestate?: string } {
  const traceparent = headers[CE_TRACE_HEADERS.traceparent];
  const tracestate = headers[CE_TRACE_HEADERS.tracestate];
  return {
    ...(traceparent === undefined ? {} : { traceparent }),
    ...(tracestate === undefined ? {} : { tracestate }),
  };
}
