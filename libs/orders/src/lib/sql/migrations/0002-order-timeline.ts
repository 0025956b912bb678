import { Migration } from '@shopnest/platform-sql';

/**
 * Where an order's timeline goes when its outbox rows are pruned: published events move here
 * (positions excepted: telemetry, the order row keeps the latest), and an index lets the pruner
 * find the old published rows without scanning the outbox.
 */
export const orderTimeline: Migration = {
  version: 2,
  name: 'order-timeline',
  sql: `
CREATE TABLE order_timeline (
  -- The outbox id: the timeline is the archive and the live outbox rows in one id order.
  id           bigint PRIMARY KEY,
  order_id     uuid NOT NULL REFERENCES orders (id),
  event        jsonb NOT NULL,
  published_at timestamptz NOT NULL
);
CREATE INDEX order_timeline_by_order ON order_timeline (order_id, id);
CREATE INDEX outbox_sent ON outbox (sent_at) WHERE sent_at IS NOT NULL;
`,
};
