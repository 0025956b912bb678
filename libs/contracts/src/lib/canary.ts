import { z } from 'zod';
import { envelopeSchema } from './envelope';

/**
 * The delivery canary's topic: notification-workers publish a `canary.ping` to it every few seconds
 * and consume it like any event, so it crosses the real path (Kafka → worker → history → Redis →
 * every edge). One partition: canaries are few and their order is irrelevant.
 */
export const CANARY_TOPIC = 'shopnest.canary.v1';

/**
 * The room canaries are pushed to. Not a channel name `parseChannel` accepts, so no client can
 * subscribe to it: canaries never reach users. Edges read it from their adapter's room emits.
 */
export const CANARY_ROOM = 'system:canary';

export const CANARY_SOURCE = '/shopnest/notification-worker';

export const canaryEventSchema = envelopeSchema.extend({
  type: z.literal('canary.ping'),
  data: z.object({ sentAt: z.iso.datetime({ offset: true }) }),
});
export type CanaryEvent = z.infer<typeof canaryEventSchema>;
