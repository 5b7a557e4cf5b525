/**
 * Something that happened in the domain, recorded by an aggregate. Integration events (the
 * versioned contracts other services consume) are built from these by infrastructure.
 */
export abstract class DomainEvent<TPayload extends object = object> {
  abstract readonly eventName: string;
  readonly occurredAt: Date;

  protected constructor(
    readonly aggregateId: string,
    readonly payload: Readonly<TPayload>,
    occurredAt: Date = new Date(),
  ) {
    this.occurredAt = occurredAt;
  }
}
