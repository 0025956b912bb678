import type { OrderStatus, TicketMessage, TicketStatus } from '@shopnest/contracts';

/** An order as order-tracking's REST API returns it (the fields the console shows). */
export interface Order {
  id: string;
  customerId: string;
  status: OrderStatus;
  itemsSummary: string;
  totalCents: number;
  courierId: string | null;
  position: { lat: number; lng: number } | null;
  createdAt: string;
  updatedAt?: string;
  version?: number;
}

/** One entry of `GET /orders/:id/timeline`. */
export interface TimelineEntry {
  event: AnyEvent;
  publishedAt: string | null;
}

/** A ticket as support-desk's REST API returns it. */
export interface Ticket {
  id: string;
  customerId: string;
  subject: string | null;
  orderId: string | null;
  status: TicketStatus;
  assigneeId: string | null;
  unread?: number;
  createdAt: string;
  updatedAt?: string;
}

export type { TicketMessage };

/** Any event the console receives, loosely typed: the SDK types order events; support events share the envelope. */
export interface AnyEvent {
  id: string;
  type: string;
  time: string;
  data: Record<string, unknown>;
}
