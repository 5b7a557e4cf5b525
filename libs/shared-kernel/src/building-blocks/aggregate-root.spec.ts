import { RuleViolationError } from '../errors/domain-error';
import { Id, newId } from '../values/id';
import { AggregateRoot } from './aggregate-root';
import { checkRule } from './business-rule';
import { DomainEvent } from './domain-event';

type TicketId = Id<'TicketId'>;

class TicketOpened extends DomainEvent<{ title: string }> {
  readonly eventName = 'ticket.opened';
  constructor(id: TicketId, title: string, at?: Date) {
    super(id, { title }, at);
  }
}

class TicketClosed extends DomainEvent<{ reason: string }> {
  readonly eventName = 'ticket.closed';
  constructor(id: TicketId, reason: string) {
    super(id, { reason });
  }
}

interface TicketProps {
  title: string;
  open: boolean;
}

class Ticket extends AggregateRoot<TicketId, TicketProps> {
  private constructor(id: TicketId, props: TicketProps) {
    super(id, props);
  }

  static open(title: string): Ticket {
    const ticket = new Ticket(newId<'TicketId'>(), { title, open: true });
    ticket.record(new TicketOpened(ticket.id, title));
    return ticket;
  }

  static restore(id: TicketId, props: TicketProps): Ticket {
    return new Ticket(id, props);
  }

  close(reason: string): void {
    checkRule({
      name: 'ticket_already_closed',
      message: 'the ticket is already closed',
      isBroken: () => !this.props.open,
    });
    this.props.open = false;
    this.record(new TicketClosed(this.id, reason));
  }
}

class Note extends AggregateRoot<TicketId, { text: string }> {
  constructor(id: TicketId) {
    super(id, { text: '' });
  }
}

describe('AggregateRoot', () => {
  it('records the events of its changes in order', () => {
    const ticket = Ticket.open('Table for two');
    ticket.close('booked');

    expect(ticket.pendingEvents.map((event) => event.eventName)).toEqual([
      'ticket.opened',
      'ticket.closed',
    ]);
    expect(ticket.pendingEvents[0]).toMatchObject({
      aggregateId: ticket.id,
      payload: { title: 'Table for two' },
    });
  });

  it('hands its events over once: a pull empties them', () => {
    const ticket = Ticket.open('Table for two');

    const first = ticket.pullEvents();
    expect(first).toHaveLength(1);
    expect(first[0]).toBeInstanceOf(TicketOpened);
    expect(ticket.pendingEvents).toHaveLength(0);
    expect(ticket.pullEvents()).toEqual([]);

    ticket.close('booked');
    expect(ticket.pullEvents().map((event) => event.eventName)).toEqual(['ticket.closed']);
    // What was pulled before is not touched by later changes.
    expect(first).toHaveLength(1);
  });

  it('records nothing when restored from storage', () => {
    const ticket = Ticket.restore(newId<'TicketId'>(), { title: 'Old', open: true });
    expect(ticket.pullEvents()).toEqual([]);
  });

  it('records nothing when a rule refuses the change', () => {
    const ticket = Ticket.restore(newId<'TicketId'>(), { title: 'Old', open: false });
    expect(() => ticket.close('again')).toThrow(RuleViolationError);
    expect(ticket.pendingEvents).toHaveLength(0);
  });

  it('stamps events with the time they happened, or the time given', () => {
    const before = Date.now();
    const event = Ticket.open('x').pullEvents()[0]!;
    expect(event.occurredAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(event.occurredAt.getTime()).toBeLessThanOrEqual(Date.now());

    const at = new Date('2030-01-02T03:04:05.000Z');
    expect(new TicketOpened(newId<'TicketId'>(), 'x', at).occurredAt).toEqual(at);
  });

  it('is the same entity as another of its kind with the same id, whatever the state', () => {
    const id = newId<'TicketId'>();
    const a = Ticket.restore(id, { title: 'A', open: true });
    const b = Ticket.restore(id, { title: 'B', open: false });

    expect(a.equals(b)).toBe(true);
    expect(a.equals(Ticket.restore(newId<'TicketId'>(), { title: 'A', open: true }))).toBe(false);
    expect(a.equals(undefined)).toBe(false);
    expect(a.equals(new Note(id) as never)).toBe(false);
  });
});
