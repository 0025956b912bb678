import { Envelope } from '@shopnest/contracts';
import { CE_HEADERS, decodeRecord, encodeRecord, RecordLike } from './cloudevents-binding';

const event: Envelope = {
  specversion: '1.0',
  id: '0193a0c4-2f6e-7cc1-9a53-1d2c3b4a5f60',
  type: 'order.status_changed',
  source: '/shopnest/order-tracking',
  subject: 'o-1',
  time: '2026-11-23T10:00:00.000+01:00',
  datacontenttype: 'application/json',
  sequence: 7,
  data: { orderId: 'o-1', to: 'confirmed', note: 'ünïcödé' },
};

/** What a consumer sees: kafkajs hands headers and value back as Buffers. */
function asReceived(key: string, e: Envelope): RecordLike {
  const message = encodeRecord(key, e);
  const headers = Object.fromEntries(
    Object.entries(message.headers ?? {}).map(([name, value]) => [name, Buffer.from(String(value))]),
  );
  return { key: Buffer.from(key), value: message.value as Buffer | null, headers };
}

describe('CloudEvents Kafka binding (binary mode)', () => {
  it('puts attributes in ce_* headers and only data in the value', () => {
    const message = encodeRecord('o-1', event);
    expect(message.key).toBe('o-1');
    expect(message.headers).toEqual({
      ce_specversion: '1.0',
      ce_id: event.id,
      ce_type: event.type,
      ce_source: event.source,
      ce_subject: 'o-1',
      ce_time: event.time,
      ce_sequence: '7',
      'content-type': 'application/json',
    });
    expect(JSON.parse((message.value as Buffer).toString('utf8'))).toEqual(event.data);
  });

  it('round-trips every envelope field', () => {
    expect(decodeRecord(asReceived('o-1', event))).toEqual({ ok: true, event });
  });

  it('carries the distributed-tracing extension as ce_traceparent / ce_tracestate, both ways', () => {
    const traced = {
      ...event,
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      tracestate: 'vendor=opaque',
    };
    expect(encodeRecord('o-1', traced).headers).toMatchObject({
      ce_traceparent: traced.traceparent,
      ce_tracestate: 'vendor=opaque',
    });
    expect(decodeRecord(asReceived('o-1', traced))).toEqual({ ok: true, event: traced });
    // Without it (tracing off) neither header is written, and the decoded event has no such key.
    expect(Object.keys(encodeRecord('o-1', event).headers ?? {})).not.toContain('ce_traceparent');
    const plain = decodeRecord(asReceived('o-1', event));
    expect(plain.ok && plain.event.traceparent).toBeUndefined();
  });

  it('drops a malformed ce_traceparent and keeps the event (W3C: ignore it, start afresh)', () => {
    const record = asReceived('o-1', event);
    (record.headers as Record<string, Buffer>)['ce_traceparent'] = Buffer.from('not-a-traceparent');
    const result = decodeRecord(record);
    expect(result.ok).toBe(true);
    expect(result.ok && result.event.traceparent).toBeUndefined();
  });

  it('round-trips an event without data as a null value', () => {
    const noData = { ...event, data: undefined };
    const record = asReceived('o-1', noData);
    expect(record.value).toBeNull();
    const result = decodeRecord(record);
    expect(result.ok && result.event.data).toBeUndefined();
  });

  it('names the missing headers', () => {
    const record = asReceived('o-1', event);
    delete record.headers?.[CE_HEADERS.id];
    delete record.headers?.['content-type'];
    const result = decodeRecord(record);
    expect(result).toMatchObject({ ok: false, reason: 'missing headers: ce_id, content-type' });
    expect(!result.ok && result.headers[CE_HEADERS.type]).toBe(event.type);
  });

  it('reports a value that is not JSON', () => {
    const record = { ...asReceived('o-1', event), value: Buffer.from('{not json') };
    expect(decodeRecord(record)).toMatchObject({ ok: false, reason: expect.stringMatching(/^value is not JSON: /) });
  });

  it('reports attributes that fail the envelope schema, naming them', () => {
    const record = asReceived('o-1', event);
    if (record.headers) {
      record.headers[CE_HEADERS.id] = Buffer.from('not-a-uuid');
      record.headers[CE_HEADERS.sequence] = Buffer.from('0x1');
    }
    const result = decodeRecord(record);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toMatch(/^invalid envelope: /);
      expect(result.reason).toContain('id:');
      expect(result.reason).toContain('sequence:');
    }
  });

  it('never throws, whatever the record', () => {
    expect(decodeRecord({ key: null, value: null })).toMatchObject({ ok: false });
    expect(
      decodeRecord({ key: null, value: Buffer.from([0xff, 0xfe]), headers: { a: [Buffer.from('x')] } }),
    ).toMatchObject({
      ok: false,
    });
  });
});
