import { openSqlDatabase } from '../open-sql-database';
import { describeSqlDatabaseContract } from '../sql-database.contract';

describeSqlDatabaseContract('PGlite', (schema) => openSqlDatabase({ driver: 'pglite', schema }));
