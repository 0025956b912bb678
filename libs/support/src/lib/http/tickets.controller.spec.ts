import { describeTicketsApi } from './tickets-api.contract';

describeTicketsApi('PGlite', () => ({ driver: 'pglite', schema: 'support' }));
