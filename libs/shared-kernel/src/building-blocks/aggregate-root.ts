import { DomainEvent } from './domain-event';
import { Entity } from './entity';

/**
 * An aggregate records the events of its changes; the unit of work pulls them and stores them
 * (in the outbox) in the same transaction as the aggregate. Nothing is dispatched from here.
 */
export abstract class AggregateRoot<TId extends string, TProps extends object> extends Entity<
  TId,
  TProps
> {
  private recorded: DomainEvent[] = [];

  protected record(event: DomainEvent): void {
    this.recorded.push(event);
  }

  /** Returns the events recorded since the last pull and forgets them. */
  pullEvents(): DomainEvent[] {
    const events = this.recorded;
    this.recorded = [];
    return events;
  }

  /** Events recorded and not yet pulled, for tests and the unit of work. */
  get pendingEvents(): readonly DomainEvent[] {
    return this.recorded;
  }
}
