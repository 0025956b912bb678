/** DI token of the inbox's {@link InboxConfig}. */
export const INBOX_CONFIG = Symbol('INBOX_CONFIG');
