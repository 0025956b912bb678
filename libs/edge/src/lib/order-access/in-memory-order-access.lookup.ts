import { OrderAccess } from '@shopnest/contracts';
import { InMemoryAccessLookup } from '../access/in-memory-access.lookup';
import { OrderAccessLookup } from './order-access.port';

/** Order access held in a Map: for unit tests and one-process mode, where it is fed directly. */
export class InMemoryOrderAccessLookup extends InMemoryAccessLookup<OrderAccess> implements OrderAccessLookup {}
