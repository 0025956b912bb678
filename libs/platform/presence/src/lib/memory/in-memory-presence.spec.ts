import { describePresenceContract } from '../presence.contract';
import { InMemoryPresence } from './in-memory-presence';

describePresenceContract('in-memory', async (_, ttlMs) => new InMemoryPresence(ttlMs), { shared: false });
