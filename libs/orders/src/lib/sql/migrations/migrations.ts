import { ordersAndOutbox } from './0001-orders-and-outbox';
import { Migration } from './migration';

/** Every migration, oldest first. Append new ones; never edit one that has shipped. */
export const MIGRATIONS: readonly Migration[] = [ordersAndOutbox];
