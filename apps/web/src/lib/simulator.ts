import type { OrderStatus } from '@shopnest/contracts';
import { nextStatus } from './timeline';

/** A straight route from the shop to the customer; positions are interpolated along it. */
export interface Route {
  from: { lat: number; lng: number };
  to: { lat: number; lng: number };
}

/** The point `progress` (0–1, clamped) of the way along `route`. */
export function along(route: Route, progress: number): { lat: number; lng: number } {
  const t = Math.min(1, Math.max(0, progress));
  return {
    lat: route.from.lat + (route.to.lat - route.from.lat) * t,
    lng: route.from.lng + (route.to.lng - route.from.lng) * t,
  };
}

/** One simulated order: its status and, once out for delivery, how far the courier is. */
export interface SimOrder {
  id: string;
  status: OrderStatus;
  route: Route;
  progress: number;
}

/** What the simulator does next to one order (a pure step, so it can be tested without servers). */
export type SimAction =
  | { kind: 'status'; to: OrderStatus }
  | { kind: 'courier' }
  | { kind: 'position'; at: { lat: number; lng: number }; progress: number }
  | { kind: 'done' };

/** Per tick: an order moves one status on; packed orders get the courier; out for delivery it drives, then arrives. */
export function nextAction(order: SimOrder, hasCourier: boolean, step = 0.2): SimAction {
  if (order.status === 'delivered' || order.status === 'cancelled') return { kind: 'done' };
  if (order.status === 'packed' && !hasCourier) return { kind: 'courier' };
  if (order.status === 'out_for_delivery' && order.progress < 1) {
    const progress = Math.min(1, order.progress + step);
    return { kind: 'position', at: along(order.route, progress), progress };
  }
  const to = nextStatus(order.status);
  return to ? { kind: 'status', to } : { kind: 'done' };
}
