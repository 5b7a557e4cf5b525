import { TokenBucket } from './token-bucket';

describe('TokenBucket', () => {
  it('allows the burst at once, then the sustained rate', () => {
    let now = 0;
    const bucket = new TokenBucket(200, 50, () => now);
    for (let i = 0; i < 200; i++) expect(bucket.take()).toBe(true);
    expect(bucket.take()).toBe(false);
    now += 1000; // one second: 50 more
    for (let i = 0; i < 50; i++) expect(bucket.take()).toBe(true);
    expect(bucket.take()).toBe(false);
    now += 60_000; // never more than the burst
    for (let i = 0; i < 200; i++) expect(bucket.take()).toBe(true);
    expect(bucket.take()).toBe(false);
  });

  it('never limits a peer that keeps to 50 per second', () => {
    let now = 0;
    const bucket = new TokenBucket(200, 50, () => now);
    for (let i = 0; i < 5000; i++) {
      now += 20;
      expect(bucket.take()).toBe(true);
    }
  });
});
