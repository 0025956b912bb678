import { OutboxTable } from '@shopnest/platform-outbox';

/**
 * The orders' outbox (created by migration 1): with `order_timeline`, each order's timeline.
 * Pruned rows move to `order_timeline` (migration 2), courier positions excepted.
 */
export const ORDERS_OUTBOX: OutboxTable = {
  table: 'outbox',
  keyColumn: 'order_id',
  keyType: 'uuid',
  archive: `INSERT INTO order_timeline (id, order_id, event, published_at)
            SELECT id, order_id, event, sent_at FROM pruned WHERE type <> 'order.location_updated'`,
};
