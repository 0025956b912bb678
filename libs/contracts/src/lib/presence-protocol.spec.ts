import { describeZodError } from './errors';
import { presenceStatusRequestSchema, typingRequestSchema } from './presence-protocol';

const problem = (result: { success: boolean; error?: Parameters<typeof describeZodError>[0] }) =>
  result.error ? describeZodError(result.error) : 'ok';

describe('typingRequestSchema', () => {
  it('accepts start and stop, with or without internal', () => {
    expect(typingRequestSchema.parse({ ticketId: 't-1', state: 'start' })).toEqual({ ticketId: 't-1', state: 'start' });
    expect(typingRequestSchema.parse({ ticketId: 't-1', state: 'stop', internal: true }).internal).toBe(true);
  });

  it.each([
    [{ ticketId: 't:1', state: 'start' }, /^ticketId: /],
    [{ ticketId: '', state: 'start' }, /^ticketId: /],
    [{ ticketId: 't-1', state: 'typing' }, /^state: /],
    [{ ticketId: 't-1', state: 'start', internal: 'yes' }, /^internal: /],
    [{ ticketId: 't-1', state: 'start', extra: 1 }, /extra/],
    [null, /^\(root\)/],
  ])('refuses %j, naming the field', (payload, field) => {
    expect(problem(typingRequestSchema.safeParse(payload))).toMatch(field);
  });
});

describe('presenceStatusRequestSchema', () => {
  it.each(['online', 'busy', 'away'])('accepts %s', (status) => {
    expect(presenceStatusRequestSchema.parse({ status })).toEqual({ status });
  });

  it('refuses another status, naming the field', () => {
    expect(problem(presenceStatusRequestSchema.safeParse({ status: 'offline' }))).toMatch(/^status: /);
  });
});
