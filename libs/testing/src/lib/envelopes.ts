import { Envelope } from '@shopnest/contracts';
import { randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';

/** A unique name per test, so runs against a shared broker never see each other's data. */
export const uniqueName = (prefix: string): string => `${prefix}.${Date.now()}.${randomUUID().slice(0, 8)}`;

/** A valid envelope for `subject` at `sequence`, with a fresh UUIDv7 id. */
export function testEnvelope(subject: string, sequence: number, data: unknown = { subject, sequence }): Envelope {
  return {
    specversion: '1.0',
    id: uuidv7(),
    type: 'test.happened',
    source: '/shopnest/contract-test',
    subject,
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    sequence,
    data,
  };
}
