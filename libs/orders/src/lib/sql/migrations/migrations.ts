import { Migration } from '@shopnest/platform-sql';
import { ordersAndOutbox } from './0001-orders-and-outbox';
import { orderTimeline } from './0002-order-timeline';
import { outboxTraceContext } from './0003-outbox-trace-context';

/** Every migration, oldest first. Append new ones; never edit one that has shipped. */
export const MIGRATIONS: readonly Migration[] = [ordersAndOutbox, orderTimeline, outboxTraceContext];
