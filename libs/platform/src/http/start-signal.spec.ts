import { PassThrough } from 'node:stream';
import { startSignal } from './start-signal';

describe('startSignal', () => {
  it('resolves at once without START_SIGNAL', async () => {
    const input = new PassThrough();
    await expect(startSignal({}, input)).resolves.toBe(true);
    expect(input.destroyed).toBe(false);
  });

  it('with START_SIGNAL=stdin, waits for the line "start"', async () => {
    const input = new PassThrough();
    let started: boolean | undefined;
    const signal = startSignal({ START_SIGNAL: 'stdin' }, input).then((s) => (started = s));
    input.write('sta');
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toBeUndefined();
    input.write('rt\n');
    await signal;
    expect(started).toBe(true);
  });

  it('resolves to false when stdin ends without it', async () => {
    const input = new PassThrough();
    const signal = startSignal({ START_SIGNAL: 'stdin' }, input);
    input.end('go\n');
    await expect(signal).resolves.toBe(false);
  });
});
