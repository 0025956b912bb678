import { restClient, type Rest } from './rest';
import { devSignIn } from './session';
import { nextAction, type SimOrder } from './simulator';

const SHOPPERS = 4;
const ACTIVE_ORDERS = 5;
const ITEMS = ['1 × ceramic mug', '2 × linen napkins', '1 × cast-iron pan', '3 × beeswax candles', '1 × teapot'];

/**
 * Keeps the platform busy from the browser (development sign-in only): demo shoppers place orders
 * and sometimes ask for help, ops (the signed-in user) moves them on, the courier drives them home.
 * Everything goes through the public REST APIs, so every screen sees it live. Returns the stop function.
 *
 * @example
 * const stop = startSimulation(live.orders, { orders: config.orders, support: config.support });
 */
export function startSimulation(ops: Rest, urls: { orders: string; support: string }, tickMs = 1_500): () => void {
  const orders = new Map<string, SimOrder & { shopper: number; courier: boolean }>();
  const tokens = new Map<string, Promise<string>>();
  const token = (persona: 'shopper' | 'courier', userId: string) => {
    const key = `${persona}:${userId}`;
    if (!tokens.has(key))
      tokens.set(
        key,
        devSignIn(persona, userId).then((s) => s.token),
      );
    return tokens.get(key) as Promise<string>;
  };
  const as = async (persona: 'shopper' | 'courier', userId: string, base: string) => {
    const t = await token(persona, userId);
    return restClient(base, () => t);
  };
  let shopperTurn = 0;

  const tick = async () => {
    if (orders.size < ACTIVE_ORDERS) {
      const shopper = shopperTurn++ % SHOPPERS;
      const rest = await as('shopper', `sim-shopper-${shopper}`, urls.orders);
      const created = await rest<{ id: string }>('POST', '/orders', {
        itemsSummary: ITEMS[Math.floor(Math.random() * ITEMS.length)],
        totalCents: 900 + Math.floor(Math.random() * 6000),
      });
      const base = { lat: 52.5 + Math.random() * 0.02, lng: 13.38 + Math.random() * 0.04 };
      const route = { from: base, to: { lat: base.lat + 0.015, lng: base.lng + 0.025 } };
      orders.set(created.id, { id: created.id, status: 'placed', route, progress: 0, shopper, courier: false });
      if (Math.random() < 0.3) {
        const support = await as('shopper', `sim-shopper-${shopper}`, urls.support);
        await support('POST', '/tickets', {
          orderId: created.id,
          subject: 'Where is my order?',
          message: { clientMessageId: crypto.randomUUID(), text: 'Hi, when will my order arrive?' },
        });
      }
    }
    for (const order of orders.values()) {
      const action = nextAction(order, order.courier);
      if (action.kind === 'done') orders.delete(order.id);
      else if (action.kind === 'courier') {
        await ops('POST', `/orders/${order.id}/courier`, { courierId: 'courier-demo' });
        order.courier = true;
      } else if (action.kind === 'status') {
        await ops('PATCH', `/orders/${order.id}/status`, { status: action.to });
        order.status = action.to;
      } else {
        const courier = await as('courier', 'courier-demo', urls.orders);
        await courier('POST', `/orders/${order.id}/location`, action.at);
        order.progress = action.progress;
      }
    }
  };

  let stopped = false;
  const loop = async () => {
    while (!stopped) {
      await tick().catch(() => undefined); // a refused step (e.g. a conflict) is skipped; the next tick goes on
      await new Promise((resolve) => setTimeout(resolve, tickMs));
    }
  };
  void loop();
  return () => {
    stopped = true;
  };
}
