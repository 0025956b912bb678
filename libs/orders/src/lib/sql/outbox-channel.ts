/** The channel on which commits that appended events are announced to relays (this schema only). */
export const outboxChannel = (schema: string) => `outbox_${schema}`;
