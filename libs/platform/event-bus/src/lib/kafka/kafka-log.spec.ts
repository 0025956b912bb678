import { logLevel } from 'kafkajs';
import { kafkaLogCreator } from './kafka-log';

describe('kafkaLogCreator', () => {
  it('routes each kafkajs level to the matching logger method, one line with the extra fields', () => {
    const lines: string[] = [];
    const logger = {
      error: (m: string) => lines.push(`error ${m}`),
      warn: (m: string) => lines.push(`warn ${m}`),
      log: (m: string) => lines.push(`log ${m}`),
      debug: (m: string) => lines.push(`debug ${m}`),
    };
    const write = kafkaLogCreator(logger)(logLevel.DEBUG);
    const log = { timestamp: '2026-01-01T00:00:00Z', logger: 'kafkajs', message: 'hello' };
    write({ namespace: 'Consumer', level: logLevel.ERROR, label: 'ERROR', log: { ...log, groupId: 'g' } });
    write({ namespace: 'Producer', level: logLevel.WARN, label: 'WARN', log });
    write({ namespace: '', level: logLevel.INFO, label: 'INFO', log });
    write({ namespace: 'x', level: logLevel.DEBUG, label: 'DEBUG', log });
    expect(lines).toEqual([
      'error [kafkajs:Consumer] hello {"groupId":"g"}',
      'warn [kafkajs:Producer] hello',
      'log [kafkajs] hello',
      'debug [kafkajs:x] hello',
    ]);
  });
});
