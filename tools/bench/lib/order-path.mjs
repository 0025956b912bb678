// @ts-check
// The order events' full path, shared by the scenarios that measure it or compare with it:
// REST status change → order-tracking → Kafka → notification-worker → Redis → edge → the
// shopper's socket in its `user:{id}` room.
import { http, STATUSES, token } from './platform.mjs';
import { openWindow } from './processes.mjs';
import { now, percentiles, sleep, until } from './stats.mjs';

export const ORDER_PATH = 'REST → order-tracking → Kafka → worker → Redis → edge → client';

/**
 * Changes order statuses over REST at `rate` per second for `seconds` (orders owned by `users`,
 * who must be connected through `fleet`), and measures PATCH sent → first arrival at the
 * shopper's socket. Every loop and wait is bounded.
 * @param {import('../bench.mjs').Context} ctx
 * @param {import('./load-fleet.mjs').Fleet} fleet
 * @param {{ users: string[], rate: number, seconds: number, measured: import('./processes.mjs').Child[] }} options
 *   `measured`: the processes whose CPU and memory the window reports (besides Kafka and Redis)
 */
export async function measureOrderPath(ctx, fleet, { users, rate, seconds, measured }) {
  const ops = token('bench-ops', ['ops']);
  const total = rate * seconds;
  // Five status changes per order (placed → delivered), so one order per five events.
  const orderCount = Math.ceil(total / 5);
  const owners = Array.from({ length: orderCount }, (_, j) => users[j % users.length]);
  ctx.log(`order path: ${rate}/s: creating ${orderCount} orders`);
  const orders = await ctx.createOrders(owners);
  await sleep(1_000);
  await fleet.reset();
  ctx.hops?.reset();
  const window = await openWindow(measured, ctx.pids);
  /** @type {Map<string, number>} */
  const sentAt = new Map();
  /** @type {Promise<{ status: number }>[]} */
  const responses = [];
  /** @type {number[]} */
  const responseMs = [];
  const started = now();
  let sent = 0;
  while (sent < total && now() - started < seconds * 1000 + 5_000) {
    const due = Math.min(total, Math.floor(((now() - started) / 1000) * rate));
    for (; sent < due; sent++) {
      const id = orders[sent % orderCount];
      const status = STATUSES[Math.floor(sent / orderCount) + 1];
      const t0 = now();
      sentAt.set(`${id}|${status}`, t0);
      responses.push(
        http('PATCH', `${ctx.ordersUrl}/orders/${id}/status`, ops, { status }).then(
          (r) => (responseMs.push(now() - t0), r),
        ),
      );
    }
    await sleep(2);
  }
  const answered = await Promise.all(responses);
  const accepted = answered.filter((r) => r.status === 200).length;
  /** event time (set by order-tracking, millisecond resolution) → client, per key */
  const fromEventTime = new Map();
  /** @type {Map<string, { eventId: string, eventTime: number }>} the first arrival's event, per key */
  const eventOf = new Map();
  // Each order's owner holds one socket here, so a second arrival of a key is a duplicate.
  let duplicates = 0;
  const arrivals = async () => {
    /** @type {Map<string, number>} */
    const first = new Map();
    duplicates = 0;
    for (const [key, at, eventTime, eventId] of (await fleet.report(false)).orderEvents) {
      if (!sentAt.has(key)) continue;
      if (first.has(key)) duplicates++;
      else {
        first.set(key, at);
        fromEventTime.set(key, at - eventTime);
        eventOf.set(key, { eventId, eventTime });
      }
    }
    return first;
  };
  await until(async () => (await arrivals()).size >= accepted, 30_000, 250);
  const usage = await window.close();
  const first = await arrivals();
  const latency = [...first].map(([key, at]) => at - (sentAt.get(key) ?? NaN));
  let hops;
  if (ctx.hops) {
    // The services export their spans in batches every 200 ms: give the last ones time to arrive.
    await sleep(1_500);
    hops = ctx.hops.hops(
      [...first].map(([key, clientReceived]) => ({
        eventId: eventOf.get(key)?.eventId ?? '',
        eventTime: eventOf.get(key)?.eventTime ?? NaN,
        sent: sentAt.get(key) ?? NaN,
        clientReceived,
      })),
    );
  }
  return {
    run: {
      rate,
      path: ORDER_PATH,
      sent: total,
      accepted,
      httpErrors: answered.length - accepted,
      delivered: first.size,
      lost: accepted - first.size,
      duplicates,
      latencyMs: percentiles(latency),
      patchResponseMs: percentiles(responseMs),
      eventTimeToClientMs: percentiles([...fromEventTime.values()]),
      ...(hops && { hops }),
    },
    usage,
  };
}
