import type { SchemaObject } from '@nestjs/swagger';
import { ORDER_STATUSES } from '@shopnest/contracts';

const timestamp: SchemaObject = { type: 'string', format: 'date-time' };

export const POSITION_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['lat', 'lng', 'at'],
  properties: {
    lat: { type: 'number', minimum: -90, maximum: 90 },
    lng: { type: 'number', minimum: -180, maximum: 180 },
    heading: { type: 'number', minimum: 0, maximum: 360, description: 'degrees clockwise from north' },
    speed: { type: 'number', minimum: 0, description: 'metres per second' },
    at: { ...timestamp, description: 'when order-tracking received the report' },
  },
};

export const ORDER_SCHEMA: SchemaObject = {
  type: 'object',
  required: [
    'id',
    'customerId',
    'itemsSummary',
    'totalCents',
    'status',
    'courierId',
    'position',
    'version',
    'createdAt',
    'updatedAt',
  ],
  properties: {
    id: { type: 'string', format: 'uuid', description: 'UUIDv7' },
    customerId: { type: 'string' },
    itemsSummary: { type: 'string' },
    totalCents: { type: 'integer', minimum: 0 },
    status: { type: 'string', enum: [...ORDER_STATUSES] },
    courierId: { type: 'string', nullable: true },
    position: {
      ...POSITION_SCHEMA,
      nullable: true,
      description: "the courier's last position; does not change `version`",
    },
    version: { type: 'integer', minimum: 1, description: 'the ETag; +1 per change of status or courier' },
    createdAt: timestamp,
    updatedAt: timestamp,
  },
};

export const ERROR_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['code', 'message'],
  properties: {
    code: {
      type: 'string',
      enum: [
        'UNAUTHENTICATED',
        'FORBIDDEN',
        'INVALID',
        'NOT_FOUND',
        'CONFLICT',
        'RATE_LIMITED',
        'INTERNAL',
        'UNAVAILABLE',
      ],
    },
    message: { type: 'string' },
    currentStatus: { type: 'string', enum: [...ORDER_STATUSES], description: 'on a refused change' },
    allowed: {
      type: 'array',
      items: { type: 'string', enum: [...ORDER_STATUSES] },
      description: 'on a refused transition',
    },
    currentVersion: { type: 'integer', description: 'on a stale version' },
  },
};

export const ORDER_LIST_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['orders', 'nextBefore'],
  properties: {
    orders: { type: 'array', items: ORDER_SCHEMA },
    nextBefore: { type: 'string', format: 'uuid', nullable: true, description: 'pass as `before` for the next page' },
  },
};

export const TIMELINE_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['orderId', 'events'],
  properties: {
    orderId: { type: 'string', format: 'uuid' },
    events: {
      type: 'array',
      items: {
        type: 'object',
        required: ['event', 'publishedAt'],
        properties: {
          event: { type: 'object', description: 'the CloudEvent as published (see docs/protocol.md)' },
          publishedAt: { ...timestamp, nullable: true, description: 'null while it waits in the outbox' },
        },
      },
    },
  },
};

export const POSITION_ACCEPTED_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['orderId', 'position', 'event'],
  properties: {
    orderId: { type: 'string', format: 'uuid' },
    position: POSITION_SCHEMA,
    event: {
      type: 'string',
      enum: ['queued', 'coalesced'],
      description:
        'queued: a new order.location_updated; coalesced: replaced the position of the one still waiting for its rate slot',
    },
  },
};
