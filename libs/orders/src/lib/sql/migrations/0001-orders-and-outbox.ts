import { Migration } from '@shopnest/platform-sql';

/** Orders, and their event log that the relay publishes from (the transactional outbox). */
export const ordersAndOutbox: Migration = {
  version: 1,
  name: 'orders-and-outbox',
  sql: `
CREATE TABLE orders (
  id            uuid PRIMARY KEY,
  customer_id   text NOT NULL,
  items_summary text NOT NULL,
  total_cents   bigint NOT NULL CHECK (total_cents >= 0),
  status        text NOT NULL,
  courier_id    text,
  -- The courier's last position: telemetry beside the versioned state.
  position      jsonb,
  -- When the latest order.location_updated entry was (or will be) due: the rate gate.
  position_event_due_at timestamptz,
  version       integer NOT NULL CHECK (version >= 1),
  created_at    timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL
);
CREATE INDEX orders_by_customer ON orders (customer_id, id DESC);
CREATE INDEX orders_by_courier ON orders (courier_id, id DESC) WHERE courier_id IS NOT NULL;

-- Every event of every order, kept after publishing as the order's timeline.
CREATE TABLE outbox (
  id           bigserial PRIMARY KEY,
  order_id     uuid NOT NULL REFERENCES orders (id),
  event_id     uuid NOT NULL UNIQUE,
  type         text NOT NULL,
  event        jsonb NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  -- Not published before this: rate-limited positions wait here.
  available_at timestamptz NOT NULL DEFAULT now(),
  -- Bumped when a waiting position is replaced by a newer one.
  revision     integer NOT NULL DEFAULT 0,
  sent_at      timestamptz
);
CREATE INDEX outbox_by_order ON outbox (order_id, id);
-- Small however long the log grows: only what the relay still has to publish.
CREATE INDEX outbox_pending ON outbox (id) WHERE sent_at IS NULL;
CREATE INDEX outbox_pending_by_order ON outbox (order_id, id) WHERE sent_at IS NULL;
`,
};
