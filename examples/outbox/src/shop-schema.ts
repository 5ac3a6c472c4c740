import { ContractRegistry } from '@ordo/core';

/** The `orders` topic's contract: an order needs a positive amount in cents. */
export const contracts = new ContractRegistry().topic('orders', {
  keyed: true,
  events: {
    'order-placed': {
      type: 'object',
      required: ['orderId', 'customerId', 'cents'],
      properties: {
        orderId: { type: 'string' },
        customerId: { type: 'string' },
        cents: { type: 'integer', minimum: 1 },
      },
      additionalProperties: false,
    },
  },
});

/** The value of an `order-placed` event. */
export interface OrderPlaced {
  readonly orderId: string;
  readonly customerId: string;
  readonly cents: number;
}

/** The orders service's own table, and billing's. Both live in one PGlite database here. */
export const SCHEMA = [
  'CREATE TABLE orders (id text PRIMARY KEY, customer_id text NOT NULL, cents integer NOT NULL)',
  'CREATE TABLE charges (seq serial, order_id text PRIMARY KEY, customer_id text NOT NULL, cents integer NOT NULL)',
];
