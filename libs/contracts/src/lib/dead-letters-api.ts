import { z } from 'zod';

/**
 * notification-worker's dead-letter API (role `ops`): list the dead letters of a topic the worker
 * consumes, re-drive them to it, or drop them with a reason. See docs/operations.md, "Dead letters".
 * `:topic` is the consumed topic (`shopnest.orders.v1`); its dead letters are in `<topic>.dlq`.
 */

/** Why the worker dead-lettered a record (the `dlq-reason` header). */
export const DEAD_LETTER_REASONS = ['undecodable', 'invalid', 'failed'] as const;
export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];

/** Where a dead letter stands: waiting for an operator, re-driven to its topic, or dropped. */
export const DEAD_LETTER_STATUSES = ['pending', 'redriven', 'dropped'] as const;
export type DeadLetterStatus = (typeof DEAD_LETTER_STATUSES)[number];

/** An operator's decision on one dead letter, as recorded in `<topic>.dlq.decisions`. */
export interface DeadLetterDecision {
  action: 'redriven' | 'dropped';
  /** Why it was dropped (required for a drop). */
  reason?: string;
  /** The operator's user id (the token's `sub`). */
  by: string;
  /** ISO 8601. */
  at: string;
  /** The re-drive count the re-driven record carries. */
  redriveCount?: number;
}

/** One dead letter, as `GET /admin/dead-letters/:topic` lists it. */
export interface DeadLetterView {
  /** `<partition>-<offset>` in the dead-letter topic: the handle to re-drive or drop it. */
  id: string;
  deadLetterTopic: string;
  /** `undecodable`, `invalid` or `failed`; `unknown` for a record without the header. */
  reason: DeadLetterReason | 'unknown';
  error: string | null;
  /** Where the record was when it failed. */
  original: { topic: string | null; partition: number | null; offset: string | null };
  /** ISO 8601, from the `dlq-failed-at` header. */
  failedAt: string | null;
  /** Tries before it was dead-lettered (`failed` only). */
  attempts: number | null;
  /** How many times it had been re-driven before it landed here. */
  redriveCount: number;
  key: string | null;
  /** The event's CloudEvents attributes, when the record carries them. */
  event: { id: string | null; type: string | null; subject: string | null };
  /** The start of the record's value: UTF-8 text, or base64 when it is not text. */
  payload: { bytes: number; encoding: 'utf8' | 'base64'; preview: string; truncated: boolean } | null;
  status: DeadLetterStatus;
  decision: DeadLetterDecision | null;
}

const isoTime = z.iso.datetime({ offset: true });

/** Filters shared by listing and bulk re-drive; all optional, combined with AND. */
const filterShape = {
  reason: z.enum(DEAD_LETTER_REASONS).optional(),
  /** The event type (`order.status_changed`), from the `ce_type` header. */
  type: z.string().min(1).max(200).optional(),
  /** Failed at or after (ISO 8601). */
  since: isoTime.optional(),
  /** Failed before (ISO 8601). */
  until: isoTime.optional(),
};

/**
 * `GET /admin/dead-letters/:topic?status=&reason=&type=&since=&until=&limit=&cursor=`:
 * `status` defaults to `pending` (`all` lists every status); pages of `limit` (1–500, default 50),
 * the next one at `cursor` (opaque, from the previous page's `nextCursor`).
 */
export const listDeadLettersQuerySchema = z.strictObject({
  ...filterShape,
  status: z.enum([...DEAD_LETTER_STATUSES, 'all']).default('pending'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'must be a nextCursor of an earlier page')
    .max(2_000)
    .optional(),
});
export type ListDeadLettersQuery = z.input<typeof listDeadLettersQuerySchema>;
export type DeadLetterFilter = Pick<z.output<typeof listDeadLettersQuerySchema>, 'reason' | 'type' | 'since' | 'until'>;

export interface ListDeadLettersResponse {
  topic: string;
  deadLetterTopic: string;
  items: DeadLetterView[];
  /** Present while more records remain to be scanned; pass it as `cursor`. */
  nextCursor?: string;
}

/**
 * `POST /admin/dead-letters/:topic/redrive`: pending dead letters back to `:topic` (same key, value
 * and headers, `dlq-redrive-count` + 1). One or more by `ids`, every one matching a filter, or
 * `{ "all": true }`; exactly one of the three.
 *
 * @example
 * { "ids": ["0-17"] }
 * { "filter": { "reason": "failed", "since": "2026-12-02T10:00:00Z" } }
 * { "all": true }
 */
export const redriveBodySchema = z.union([
  z.strictObject({
    ids: z
      .array(z.string().regex(/^\d+-\d+$/, 'must be <partition>-<offset>'))
      .min(1)
      .max(1_000),
  }),
  z.strictObject({
    filter: z
      .strictObject(filterShape)
      .refine((f) => Object.values(f).some((v) => v !== undefined), 'name at least one of reason, type, since, until'),
  }),
  z.strictObject({ all: z.literal(true) }),
]);
export type RedriveBody = z.infer<typeof redriveBodySchema>;

export interface RedriveResponse {
  /** Re-driven now, each with the re-drive count its record carries. */
  redriven: { id: string; eventId: string | null; redriveCount: number }[];
  /** Named by `ids` but not pending (already re-driven or dropped) or not found. */
  skipped: { id: string; why: string }[];
}

/** `POST /admin/dead-letters/:topic/:id/drop`: give up on a pending dead letter, saying why. */
export const dropBodySchema = z.strictObject({ reason: z.string().trim().min(1).max(500) });
export type DropBody = z.infer<typeof dropBodySchema>;

export interface DropResponse {
  id: string;
  status: 'dropped';
  decision: DeadLetterDecision;
}
