import { z } from 'zod';
import { OPS_ORDERS_CHANNEL } from './channels';
import { envelopeSchema, type Envelope } from './envelope';
import type { Delivery } from './socket-protocol';

export const OPS_STATS_EVENT = 'ops.stats';

/**
 * What one process reports to the ops board, every few seconds (`OPS_STATS_INTERVAL_MS`): an edge
 * its open connections by transport, a worker its consumer lag, dead letters and event rate.
 * Read from the process's own metrics, so the board and `/metrics` never disagree.
 */
export const opsStatsSchema = z.discriminatedUnion('role', [
  z.object({
    role: z.literal('edge'),
    /** The edge process (`host:pid`); an edge that stops reporting has gone. */
    instance: z.string().min(1),
    intervalMs: z.number().int().positive(),
    /** `shopnest_edge_connections_by_transport` now, e.g. `{ websocket: 12, polling: 3 }`. */
    connections: z.record(z.string(), z.number().int().nonnegative()),
  }),
  z.object({
    role: z.literal('worker'),
    instance: z.string().min(1),
    intervalMs: z.number().int().positive(),
    /** Messages not yet committed by the worker's consumer groups, all topics and partitions (`shopnest_consumer_lag`). */
    consumerLag: z.number().nonnegative(),
    /** Messages this worker sent to a dead-letter topic since it started (`shopnest_events_dead_lettered_total`). */
    deadLettered: z.number().nonnegative(),
    /** Valid events consumed per second over the last interval (`shopnest_events_consumed_total`). */
    eventsPerSecond: z.number().nonnegative(),
  }),
]);
export type OpsStats = z.infer<typeof opsStatsSchema>;

export const opsStatsEventSchema = envelopeSchema.extend({ type: z.literal(OPS_STATS_EVENT), data: opsStatsSchema });
export type OpsStatsEvent = Envelope<typeof OPS_STATS_EVENT, OpsStats>;

/**
 * The volatile delivery of one report to `ops:orders` (no offset: history keeps none, a late
 * subscriber gets the next report). `id` must be unique (clients de-duplicate by it).
 *
 * @example
 * server.to(OPS_ORDERS_CHANNEL).volatile.emit(OPS_STATS_EVENT, opsStatsDelivery(uuidv7(), '/shopnest/connection-edge', 0, stats));
 */
export function opsStatsDelivery(
  id: string,
  source: string,
  sequence: number,
  stats: OpsStats,
): Delivery<OpsStatsEvent> {
  return {
    channel: OPS_ORDERS_CHANNEL,
    event: {
      specversion: '1.0',
      id,
      type: OPS_STATS_EVENT,
      source,
      subject: stats.instance,
      time: new Date().toISOString(),
      datacontenttype: 'application/json',
      sequence,
      data: stats,
    },
  };
}
