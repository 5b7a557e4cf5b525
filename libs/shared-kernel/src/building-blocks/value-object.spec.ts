import { ValueObject } from './value-object';

class Distance extends ValueObject<{ metres: number; rounded: boolean }> {
  constructor(metres: number, rounded = false) {
    super({ metres, rounded });
  }
  get metres(): number {
    return this.props.metres;
  }
  mutate(): void {
    (this.props as { metres: number }).metres = 0;
  }
}

class Weight extends ValueObject<{ metres: number; rounded: boolean }> {
  constructor(metres: number) {
    super({ metres, rounded: false });
  }
}

describe('ValueObject', () => {
  it('equals another with the same values', () => {
    expect(new Distance(5).equals(new Distance(5))).toBe(true);
  });

  it('differs when any value differs', () => {
    expect(new Distance(5).equals(new Distance(6))).toBe(false);
    expect(new Distance(5).equals(new Distance(5, true))).toBe(false);
  });

  it('never equals a value of another kind, even with the same fields', () => {
    expect(new Distance(5).equals(new Weight(5) as never)).toBe(false);
  });

  it('never equals nothing', () => {
    expect(new Distance(5).equals(undefined)).toBe(false);
  });

  it('cannot be changed after creation', () => {
    const distance = new Distance(5);
    expect(() => distance.mutate()).toThrow(TypeError);
    expect(distance.metres).toBe(5);
  });

  it('keeps its own copy of the values it was built from', () => {
    const props = { metres: 5, rounded: false };
    class Snapshot extends ValueObject<typeof props> {
      constructor() {
        super(props);
      }
      get metres(): number {
        return this.props.metres;
      }
    }
    const value = new Snapshot();
    props.metres = 9;
    expect(value.metres).toBe(5);
  });
});
