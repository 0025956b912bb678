import { ShopNestClient, ShopNestDelivery } from '@shopnest/client';
import { OrderStatus } from '@shopnest/contracts';
import { signTestToken } from '@shopnest/testing';

/** The statuses an order goes through after `pending`, in order. */
export const STATUSES: OrderStatus[] = ['confirmed', 'packed', 'shipped', 'out_for_delivery', 'delivered'];
export const OPS_TOKEN = signTestToken('ops-e2e', { roles: ['ops'] });

/** One REST call; resolves with the status and the JSON body, whatever the status. Aborts after 15 s. */
export async function rest(
  url: string,
  method: string,
  token: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** A REST call that must answer `expected`. */
export async function restOk(
  url: string,
  method: string,
  token: string,
  body: unknown,
  expected: number,
): Promise<Record<string, unknown>> {
  const answer = await rest(url, method, token, body);
  if (answer.status !== expected)
    throw new Error(`${method} ${url} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/** Starts `run(item)` at `rate` items per second; items with the same key run one after another, in order. */
export async function paced<T>(
  items: T[],
  rate: number,
  key: (item: T) => string,
  run: (item: T) => Promise<void>,
): Promise<void> {
  const chains = new Map<string, Promise<void>>();
  const errors: unknown[] = [];
  const started = Date.now();
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as T;
    const due = started + (i * 1000) / rate;
    if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
    const k = key(item);
    chains.set(
      k,
      (chains.get(k) ?? Promise.resolve())
        .then(() => run(item))
        .catch((error: unknown) => {
          errors.push(error);
        }),
    );
  }
  await Promise.all(chains.values());
  if (errors.length > 0) throw errors[0];
}

/** Every order's status changes, round by round, so every order progresses throughout a run. */
export function statusRounds<O>(orders: O[], statuses: OrderStatus[] = STATUSES): { order: O; status: OrderStatus }[] {
  return statuses.flatMap((status) => orders.map((order) => ({ order, status })));
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * What each SDK client's handlers were given, per channel: a test judges duplicates and order from
 * this, as an app would see them. Also collects every `gap` the clients report.
 */
export class DeliveryLog {
  private readonly byKey = new Map<string, ShopNestDelivery[]>();
  readonly gaps: string[] = [];

  /** Subscribes `client` (named `name` in failure messages) to `channel`, recording what it delivers. */
  track(name: string, client: ShopNestClient, channel: string) {
    const key = `${name} ${channel}`;
    this.byKey.set(key, []);
    return client.subscribe(channel, (delivery) => this.byKey.get(key)?.push(delivery));
  }

  /** Records the client's gaps (resumes that history could not fill). */
  watchGaps(name: string, client: ShopNestClient): void {
    client.on('gap', (channel) => this.gaps.push(`${name} ${channel}`));
  }

  /** The events `name` got on `channel`, of the non-volatile types (positions may be dropped). */
  events(name: string, channel: string) {
    return (this.byKey.get(`${name} ${channel}`) ?? [])
      .map((delivery) => delivery.event)
      .filter((event) => event.type !== 'order.location_updated');
  }

  /** The offsets `name` got on `channel`, in arrival order (volatile deliveries carry none). */
  offsets(name: string, channel: string): string[] {
    return (this.byKey.get(`${name} ${channel}`) ?? []).flatMap((delivery) =>
      delivery.offset === undefined ? [] : [delivery.offset],
    );
  }

  /** Every (client, channel) pair tracked. */
  keys(): { name: string; channel: string }[] {
    return [...this.byKey.keys()].map((key) => {
      const [name, channel] = key.split(' ') as [string, string];
      return { name, channel };
    });
  }
}

/** A short description of an event for equality checks: its type, or for a status change the status it reached. */
export function describeEvent(event: { type: string; data: unknown }): string {
  return event.type === 'order.status_changed' ? (event.data as { to: string }).to : event.type;
}
