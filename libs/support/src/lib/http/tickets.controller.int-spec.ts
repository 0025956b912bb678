import { runId } from '@shopnest/testing';
import { Pool } from 'pg';
import { describeTicketsApi } from './tickets-api.contract';

const DATABASE_URL = process.env['DATABASE_URL'];
if (!DATABASE_URL) throw new Error('DATABASE_URL must be set (the int-test globalSetup provides it)');
const schema = `support_${runId()}`;

describeTicketsApi(
  'PostgreSQL',
  () => ({ driver: 'postgres', url: DATABASE_URL, schema, poolMax: 4, timeoutMs: 5000 }),
  async () => {
    const db = new Pool({ connectionString: DATABASE_URL, max: 1 });
    await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await db.end();
  },
);
