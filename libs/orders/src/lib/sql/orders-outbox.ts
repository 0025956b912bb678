import { OutboxTable } from '@shopnest/platform-outbox';

/** The orders' outbox (created by migration 1): also each order's timeline. */
export const ORDERS_OUTBOX: OutboxTable = { table: 'outbox', keyColumn: 'order_id', keyType: 'uuid' };
