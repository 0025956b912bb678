import { restClient } from './rest';
import { nextAction, type SimOrder } from './simulator';

/** Who the simulator acts as: demo shoppers place orders and ask for help, ops moves orders on, the courier drives. */
export interface SimActor {
  persona: 'shopper' | 'courier' | 'ops';
  userId: string;
}

/** One REST call as `actor` to order-tracking or support-desk; throws on a refused or failed call. */
export type SimCall = (
  actor: SimActor,
  service: 'orders' | 'support',
  method: string,
  path: string,
  body?: unknown,
) => Promise<unknown>;

/** How much the simulator does before it stops by itself. */
export interface SimulationLimits {
  /** Orders placed in all (the simulation ends once they are delivered). */
  orders: number;
  /** Wall-clock bound, whatever is left unfinished. */
  durationMs: number;
  /** Orders in flight at once. */
  parallel?: number;
  /** Pause between two rounds of steps. */
  tickMs?: number;
}

/** What a simulation did, for a progress log. */
export type SimStep =
  | { kind: 'created'; orderId: string; shopper: string }
  | { kind: 'ticket'; orderId: string; ticketId: string }
  | { kind: 'status'; orderId: string; to: string }
  | { kind: 'courier'; orderId: string }
  | { kind: 'position'; orderId: string; progress: number };

export interface SimulationSummary {
  created: number;
  delivered: number;
  tickets: number;
  steps: number;
  /** Steps refused or failed along the way (each skipped; the rest went on). */
  failed: number;
}

export interface Simulation {
  stop(): void;
  /** Resolves when the orders are delivered, the time is up or stop() was called; rejects when the platform stops answering. */
  done: Promise<SimulationSummary>;
}

const COURIER: SimActor = { persona: 'courier', userId: 'courier-demo' };
const OPS: SimActor = { persona: 'ops', userId: 'ops-demo' };
const SHOPPERS = 4;
const ITEMS = ['1 × ceramic mug', '2 × linen napkins', '1 × cast-iron pan', '3 × beeswax candles', '1 × teapot'];
/** Rounds in a row in which every call failed: the platform is gone, not one request refused. */
const GIVE_UP_AFTER = 3;

/**
 * Keeps the platform busy over its public REST APIs, the same for the ops page's button and
 * `node tools/dev/simulate.mjs`: demo shoppers place orders (about one in three asks for help in a
 * support ticket), ops moves each through its statuses, `courier-demo` is assigned once it is packed
 * and drives it home along a route. Bounded by `limits`; a refused step is skipped, counted and
 * passed to `onRefused`.
 *
 * @example
 * const sim = startSimulation(restCalls(urls, signIn), { orders: 10, durationMs: 60_000 }, (s) => console.log(s));
 * const summary = await sim.done;
 */
export function startSimulation(
  call: SimCall,
  limits: SimulationLimits,
  onStep?: (step: SimStep) => void,
  onRefused?: (error: Error) => void,
): Simulation {
  const parallel = limits.parallel ?? 5;
  const tickMs = limits.tickMs ?? 1_500;
  const active = new Map<string, SimOrder & { courier: boolean }>();
  const summary: SimulationSummary = { created: 0, delivered: 0, tickets: 0, steps: 0, failed: 0 };
  const deadline = Date.now() + limits.durationMs;
  let stopped = false;
  let wake: () => void = () => undefined;
  let lastError: Error | null = null;

  // One step; false when it failed (skipped, counted), so a round can tell "all failed" from "some refused".
  const attempt = async (step: () => Promise<SimStep>): Promise<boolean> => {
    try {
      const done = await step(); // awaited apart: `onStep?.(await step())` would skip the step without a listener
      summary.steps++;
      onStep?.(done);
      return true;
    } catch (error) {
      summary.failed++;
      lastError = error as Error;
      onRefused?.(lastError);
      return false;
    }
  };

  const place = async (): Promise<SimStep> => {
    const shopper: SimActor = { persona: 'shopper', userId: `sim-shopper-${summary.created % SHOPPERS}` };
    const created = (await call(shopper, 'orders', 'POST', '/orders', {
      itemsSummary: ITEMS[Math.floor(Math.random() * ITEMS.length)],
      totalCents: 900 + Math.floor(Math.random() * 6000),
    })) as { id: string };
    summary.created++;
    const base = { lat: 52.5 + Math.random() * 0.02, lng: 13.38 + Math.random() * 0.04 };
    const route = { from: base, to: { lat: base.lat + 0.015, lng: base.lng + 0.025 } };
    active.set(created.id, { id: created.id, status: 'placed', route, progress: 0, courier: false });
    if (summary.created % 3 === 1) {
      const { ticket } = (await call(shopper, 'support', 'POST', '/tickets', {
        orderId: created.id,
        subject: 'Where is my order?',
        message: { clientMessageId: crypto.randomUUID(), text: 'Hi, when will my order arrive?' },
      })) as { ticket: { id: string } };
      summary.tickets++;
      onStep?.({ kind: 'ticket', orderId: created.id, ticketId: ticket.id });
    }
    return { kind: 'created', orderId: created.id, shopper: shopper.userId };
  };

  const advance = async (order: SimOrder & { courier: boolean }): Promise<SimStep> => {
    const action = nextAction(order, order.courier);
    if (action.kind === 'courier') {
      await call(OPS, 'orders', 'POST', `/orders/${order.id}/courier`, { courierId: COURIER.userId });
      order.courier = true;
      return { kind: 'courier', orderId: order.id };
    }
    if (action.kind === 'position') {
      await call(COURIER, 'orders', 'POST', `/orders/${order.id}/location`, action.at);
      order.progress = action.progress;
      return { kind: 'position', orderId: order.id, progress: action.progress };
    }
    if (action.kind === 'status') {
      await call(OPS, 'orders', 'PATCH', `/orders/${order.id}/status`, { status: action.to });
      order.status = action.to;
      if (action.to === 'delivered') {
        active.delete(order.id);
        summary.delivered++;
      }
      return { kind: 'status', orderId: order.id, to: action.to };
    }
    active.delete(order.id);
    throw new Error(`order ${order.id} has nothing left to do`);
  };

  const run = async (): Promise<SimulationSummary> => {
    let failedRounds = 0;
    while (!stopped && Date.now() < deadline && (summary.created < limits.orders || active.size > 0)) {
      const results: boolean[] = [];
      if (summary.created < limits.orders && active.size < parallel) results.push(await attempt(place));
      for (const order of [...active.values()]) {
        if (stopped) break;
        results.push(await attempt(() => advance(order)));
      }
      failedRounds = results.length > 0 && results.every((ok) => !ok) ? failedRounds + 1 : 0;
      if (failedRounds >= GIVE_UP_AFTER) {
        throw new Error(`the platform stopped answering (${GIVE_UP_AFTER} rounds failed): ${lastError?.message}`);
      }
      if (stopped) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, Math.min(tickMs, deadline - Date.now())));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return summary;
  };

  return {
    done: run(),
    stop: () => {
      stopped = true;
      wake();
    },
  };
}

/**
 * {@link SimCall} over fetch: `signIn` gives a token per demo user (the console's `POST /dev/token`),
 * asked once per user and kept.
 */
export function restCalls(
  urls: { orders: string; support: string },
  signIn: (actor: SimActor) => Promise<string>,
): SimCall {
  const tokens = new Map<string, Promise<string>>();
  return async (actor, service, method, path, body) => {
    const key = `${actor.persona}:${actor.userId}`;
    let token = tokens.get(key);
    if (!token) {
      token = signIn(actor);
      tokens.set(key, token);
      token.catch(() => tokens.delete(key)); // a failed sign-in is asked again next time
    }
    const bearer = await token;
    return restClient(urls[service], () => bearer)(method, path, body);
  };
}
