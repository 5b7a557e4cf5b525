import { ValidationError, ValueObject } from '@ajla/shared-kernel';

export const REQUEST_TYPE_NAMES = ['travel', 'dining', 'events', 'shopping'] as const;
export type RequestTypeName = (typeof REQUEST_TYPE_NAMES)[number];

/** What a client asks the concierge for. */
export class RequestType extends ValueObject<{ name: RequestTypeName }> {
  static readonly travel = new RequestType('travel');
  static readonly dining = new RequestType('dining');
  static readonly events = new RequestType('events');
  static readonly shopping = new RequestType('shopping');

  private constructor(name: RequestTypeName) {
    super({ name });
  }

  static create(raw: string): RequestType {
    switch (raw) {
      case 'travel':
        return RequestType.travel;
      case 'dining':
        return RequestType.dining;
      case 'events':
        return RequestType.events;
      case 'shopping':
        return RequestType.shopping;
      default:
        throw new ValidationError(
          `type must be one of: ${REQUEST_TYPE_NAMES.join(', ')}`,
          'invalid_type',
        );
    }
  }

  get name(): RequestTypeName {
    return this.props.name;
  }

  override toString(): string {
    return this.props.name;
  }
}
