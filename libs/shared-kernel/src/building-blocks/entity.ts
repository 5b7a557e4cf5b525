export abstract class Entity<TId extends string, TProps extends object> {
  protected constructor(
    readonly id: TId,
    protected props: TProps,
  ) {}

  equals(other: Entity<TId, TProps> | undefined): boolean {
    return other !== undefined && other.constructor === this.constructor && other.id === this.id;
  }
}
