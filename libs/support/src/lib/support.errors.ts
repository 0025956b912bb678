import { TicketStatus } from '@shopnest/contracts';

/**
 * The ticket does not exist, or the caller may not see it: one error for both, so a customer
 * cannot probe which ticket ids exist.
 */
export class TicketAccessDenied extends Error {
  override readonly name = 'TicketAccessDenied';
  constructor(ticketId: string) {
    super(`ticket ${ticketId} does not exist or is not yours`);
  }
}

/** An agent asked for a ticket that does not exist (agents see every ticket: nothing to hide). */
export class TicketNotFound extends Error {
  override readonly name = 'TicketNotFound';
  constructor(ticketId: string) {
    super(`ticket ${ticketId} not found`);
  }
}

export class MessageNotFound extends Error {
  override readonly name = 'MessageNotFound';
  constructor(messageId: string) {
    super(`message ${messageId} not found in this ticket`);
  }
}

/** A change the caller's role or the message's state does not allow. */
export class SupportActionForbidden extends Error {
  override readonly name = 'SupportActionForbidden';
}

/** A message can no longer be changed (deleted, or past the edit window). */
export class MessageChangeRefused extends Error {
  override readonly name = 'MessageChangeRefused';
}

export class TicketTransitionRefused extends Error {
  override readonly name = 'TicketTransitionRefused';
  constructor(
    readonly currentStatus: TicketStatus,
    readonly allowed: readonly TicketStatus[],
    to: TicketStatus,
  ) {
    super(`a ${currentStatus} ticket cannot become ${to}; allowed: ${allowed.join(', ') || 'none'}`);
  }
}

/** The order named when opening a ticket is not one of the customer's. */
export class OrderNotOwned extends Error {
  override readonly name = 'OrderNotOwned';
  constructor(orderId: string) {
    super(`orderId: order ${orderId} does not exist or is not yours`);
  }
}
