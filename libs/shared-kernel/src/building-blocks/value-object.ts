/** Immutable, compared by value. Subclasses validate in a static factory. */
export abstract class ValueObject<TProps extends object> {
  protected readonly props: Readonly<TProps>;

  protected constructor(props: TProps) {
    this.props = Object.freeze({ ...props });
  }

  equals(other: ValueObject<TProps> | undefined): boolean {
    if (other === undefined || other.constructor !== this.constructor) return false;
    const keys = Object.keys(this.props) as (keyof TProps)[];
    return keys.every((key) => Object.is(this.props[key], other.props[key]));
  }
}
