import { Migration } from '@shopnest/platform-sql';
import { outboxTraceColumnsSql } from '@shopnest/platform-outbox';
import { ORDERS_OUTBOX } from '../orders-outbox';

/**
 * The trace context of the request that wrote each outbox row, so the relay's publish span
 * continues the request's trace (CloudEvents distributed tracing); NULL with tracing off.
 */
export const outboxTraceContext: Migration = {
  version: 3,
  name: 'outbox-trace-context',
  sql: outboxTraceColumnsSql(ORDERS_OUTBOX),
};
