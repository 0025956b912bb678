import { ORDER_STATUSES, type OrderStatus } from '@shopnest/contracts';

/** The normal path of an order; `cancelled` ends it anywhere. */
export const STATUS_PATH: readonly OrderStatus[] = ORDER_STATUSES.filter((s) => s !== 'cancelled');

export const STATUS_LABELS: Record<OrderStatus, string> = {
  placed: 'Placed',
  confirmed: 'Confirmed',
  packed: 'Packed',
  shipped: 'Shipped',
  out_for_delivery: 'Out for delivery',
  delivered: 'Delivered',
  cancelled: 'Cancelled',
};

export interface TimelineStep {
  status: OrderStatus;
  label: string;
  state: 'done' | 'current' | 'todo';
  /** When the order reached it (ISO time), when known. */
  at?: string;
}

/** The steps to draw for an order in `current`, with the times its status changes happened. */
export function timelineSteps(current: OrderStatus, reachedAt: ReadonlyMap<string, string>): TimelineStep[] {
  const path: OrderStatus[] = current === 'cancelled' ? [...pathUntilCancel(reachedAt), 'cancelled'] : [...STATUS_PATH];
  const index = path.indexOf(current);
  return path.map((status, i) => ({
    status,
    label: STATUS_LABELS[status],
    state: i < index ? 'done' : i === index ? 'current' : 'todo',
    ...(reachedAt.has(status) && { at: reachedAt.get(status) }),
  }));
}

function pathUntilCancel(reachedAt: ReadonlyMap<string, string>): OrderStatus[] {
  return STATUS_PATH.filter((s) => reachedAt.has(s));
}

/** The status that follows `status` on the normal path, or null at its end (ops' "advance" button). */
export function nextStatus(status: OrderStatus): OrderStatus | null {
  const i = STATUS_PATH.indexOf(status);
  return i >= 0 && i < STATUS_PATH.length - 1 ? (STATUS_PATH[i + 1] ?? null) : null;
}
