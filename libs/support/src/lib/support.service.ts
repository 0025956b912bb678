import { Injectable } from '@nestjs/common';
import { Principal, TicketMessage, TicketStatus } from '@shopnest/contracts';
import { OrderOwnership } from './order-ownership';
import { TicketFilter, TicketStore } from './sql/ticket-store';
import {
  MessageChangeRefused,
  MessageNotFound,
  OrderNotOwned,
  SupportActionForbidden,
  TicketAccessDenied,
  TicketNotFound,
  TicketTransitionRefused,
} from './support.errors';
import {
  allowedTransitions,
  EDIT_WINDOW_MS,
  editWindowClosed,
  Member,
  Ticket,
  TicketDetail,
  TicketSummary,
  visibleTo,
} from './ticket';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Which of an agent's lists: assigned to them, nobody's, or every ticket. */
export type AgentScope = 'mine' | 'unassigned' | 'all';

/**
 * The support desk's rules over {@link TicketStore}: who may see and change what. A ticket
 * belongs to its customer and to every agent; anyone else (another customer, a courier, ops) is
 * answered exactly as for a ticket that does not exist. Internal notes are agents' only: a
 * customer can neither write nor read one, by id or in history.
 */
@Injectable()
export class SupportService {
  constructor(
    private readonly store: TicketStore,
    private readonly orders: OrderOwnership,
  ) {}

  async openTicket(
    principal: Principal,
    input: { subject?: string; orderId?: string; message: { clientMessageId: string; text: string } },
  ): Promise<{ ticket: Ticket; message: TicketMessage }> {
    if (!principal.roles.includes('customer')) throw new SupportActionForbidden('only customers open tickets');
    if (input.orderId !== undefined) {
      const owner = UUID.test(input.orderId) ? await this.orders.customerOf(input.orderId) : null;
      if (owner !== principal.userId) throw new OrderNotOwned(input.orderId);
    }
    return this.store.open({
      customerId: principal.userId,
      subject: input.subject ?? input.message.text.slice(0, 120),
      orderId: input.orderId ?? null,
      message: input.message,
    });
  }

  async getTicket(principal: Principal, ticketId: string): Promise<TicketDetail> {
    const { ticket, member } = await this.access(principal, ticketId);
    const [unread, otherSideReadSeq] = await Promise.all([
      this.store.unread(ticketId, member),
      this.store.otherSideReadSeq(ticketId, member),
    ]);
    return { ...ticket, unread, otherSideReadSeq };
  }

  async listTickets(
    principal: Principal,
    query: { scope?: AgentScope; before?: string; limit: number },
  ): Promise<TicketSummary[]> {
    const member = this.memberOf(principal);
    let filter: TicketFilter = { customerId: member.userId };
    if (member.role === 'agent') {
      const scope = query.scope ?? 'mine';
      filter =
        scope === 'all' ? { all: true } : scope === 'unassigned' ? { unassigned: true } : { assigneeId: member.userId };
    }
    return this.store.list(filter, member, { before: query.before, limit: query.limit });
  }

  async postMessage(
    principal: Principal,
    ticketId: string,
    input: { clientMessageId: string; text: string; visibility: 'public' | 'internal' },
  ): Promise<{ message: TicketMessage; created: boolean }> {
    const { member } = await this.access(principal, ticketId);
    if (!visibleTo(member, input.visibility)) {
      throw new SupportActionForbidden('visibility: internal notes are for agents only');
    }
    return this.store.postMessage(ticketId, member, input);
  }

  async messages(
    principal: Principal,
    ticketId: string,
    page: { before?: string; after?: string; limit: number },
  ): Promise<TicketMessage[]> {
    const { member } = await this.access(principal, ticketId);
    return this.store.messages(ticketId, { ...page, withInternal: member.role === 'agent' });
  }

  async editMessage(principal: Principal, ticketId: string, messageId: string, text: string): Promise<TicketMessage> {
    await this.authorOf(principal, ticketId, messageId, new Date());
    return this.store.editMessage(ticketId, messageId, text);
  }

  async deleteMessage(principal: Principal, ticketId: string, messageId: string): Promise<TicketMessage> {
    await this.authorOf(principal, ticketId, messageId);
    return this.store.deleteMessage(ticketId, messageId);
  }

  async assign(principal: Principal, ticketId: string, agentId?: string): Promise<Ticket> {
    const { member } = await this.access(principal, ticketId);
    if (member.role !== 'agent') throw new SupportActionForbidden('only agents assign tickets');
    return this.store.assign(ticketId, agentId ?? member.userId, member.userId);
  }

  async changeStatus(principal: Principal, ticketId: string, to: TicketStatus): Promise<Ticket> {
    const { member } = await this.access(principal, ticketId);
    if (member.role !== 'agent') throw new SupportActionForbidden('only agents change a ticket status');
    return this.store.changeStatus(
      ticketId,
      (from) => {
        if (!allowedTransitions(from).includes(to))
          throw new TicketTransitionRefused(from, allowedTransitions(from), to);
      },
      to,
    );
  }

  async markRead(principal: Principal, ticketId: string, upToMessageId: string): Promise<{ unread: number }> {
    const { member } = await this.access(principal, ticketId);
    if (!UUID.test(upToMessageId)) throw new MessageNotFound(upToMessageId);
    await this.store.markRead(ticketId, member, upToMessageId);
    return { unread: await this.store.unread(ticketId, member) };
  }

  /** For the edge authorising `ticket:{id}`: whose ticket it is; 404 when none. */
  async accessOf(ticketId: string): Promise<{ ticketId: string; customerId: string }> {
    const ticket = UUID.test(ticketId) ? await this.store.find(ticketId) : null;
    if (!ticket) throw new TicketNotFound(ticketId);
    return { ticketId, customerId: ticket.customerId };
  }

  private memberOf(principal: Principal): Member {
    if (principal.roles.includes('agent')) return { userId: principal.userId, role: 'agent' };
    if (principal.roles.includes('customer')) return { userId: principal.userId, role: 'customer' };
    throw new SupportActionForbidden('support tickets are for customers and agents');
  }

  /** The ticket and the caller as its member; a customer gets the same refusal for "missing" and "not yours". */
  private async access(principal: Principal, ticketId: string): Promise<{ ticket: Ticket; member: Member }> {
    const member = this.memberOf(principal);
    const ticket = UUID.test(ticketId) ? await this.store.find(ticketId, member) : null;
    if (member.role === 'agent') {
      if (!ticket) throw new TicketNotFound(ticketId);
      return { ticket, member };
    }
    if (!ticket || ticket.customerId !== member.userId) throw new TicketAccessDenied(ticketId);
    return { ticket, member };
  }

  /** Refuses unless the caller may change the message now (`at` given: also within the edit window). */
  private async authorOf(principal: Principal, ticketId: string, messageId: string, at?: Date): Promise<void> {
    const { member } = await this.access(principal, ticketId);
    const message = UUID.test(messageId) ? await this.store.findMessage(ticketId, messageId) : null;
    if (!message || !visibleTo(member, message.visibility)) throw new MessageNotFound(messageId);
    if (message.authorId !== member.userId) throw new SupportActionForbidden('only its author may change a message');
    if (message.deletedAt !== null) throw new MessageChangeRefused('the message was deleted');
    if (at && editWindowClosed(message, at)) {
      throw new MessageChangeRefused(
        `a message may be edited for ${EDIT_WINDOW_MS / 60_000} minutes after it was sent`,
      );
    }
  }
}
