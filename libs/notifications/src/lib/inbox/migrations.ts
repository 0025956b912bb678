import { Migration } from '@shopnest/platform-sql';

/** Inbox items: one per (user, notification event), with the user's seen/read/archived state. */
const inboxItems: Migration = {
  version: 1,
  name: 'inbox-items',
  sql: `
CREATE TABLE inbox_items (
  -- UUIDv7: the newest-first order of GET /inbox and its cursor.
  id                 uuid PRIMARY KEY,
  user_id            text NOT NULL,
  event_id           uuid NOT NULL,
  event_type         text NOT NULL,
  event_subject      text NOT NULL,
  event_time         timestamptz NOT NULL,
  text               text NOT NULL,
  data               jsonb,
  created_at         timestamptz NOT NULL,
  seen_at            timestamptz,
  read_at            timestamptz,
  archived_at        timestamptz,
  -- A redelivered event finds its item here (INSERT ... ON CONFLICT DO NOTHING).
  UNIQUE (user_id, event_id)
);
CREATE INDEX inbox_items_by_user ON inbox_items (user_id, id DESC);
-- The counts read only the user's unarchived, unread or unseen rows.
CREATE INDEX inbox_items_unread ON inbox_items (user_id) WHERE read_at IS NULL AND archived_at IS NULL;
CREATE INDEX inbox_items_unseen ON inbox_items (user_id) WHERE seen_at IS NULL AND archived_at IS NULL;
-- Retention deletes the oldest first.
CREATE INDEX inbox_items_by_age ON inbox_items (created_at);
`,
};

/** Every migration, oldest first. Append new ones; never edit one that has shipped. */
export const INBOX_MIGRATIONS: readonly Migration[] = [inboxItems];
