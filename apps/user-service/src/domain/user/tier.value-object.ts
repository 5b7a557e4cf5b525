import { ValidationError, ValueObject } from '@ajla/shared-kernel';

export const TIER_LEVELS = [5000, 25000, 100000] as const;
export type TierLevel = (typeof TIER_LEVELS)[number];

/** The client's service level. Every new account starts at the lowest one. */
export class Tier extends ValueObject<{ level: TierLevel }> {
  static readonly standard = new Tier(5000);

  private constructor(level: TierLevel) {
    super({ level });
  }

  static create(raw: number): Tier {
    const level = TIER_LEVELS.find((candidate) => candidate === raw);
    if (level === undefined) {
      throw new ValidationError(`tier must be one of: ${TIER_LEVELS.join(', ')}`, 'invalid_tier');
    }
    return level === 5000 ? Tier.standard : new Tier(level);
  }

  get level(): TierLevel {
    return this.props.level;
  }
}
