// Jest's default order (slowest and last-failed first), except for the suites that must run last:
// the fuzz harness (its failed logins from 127.0.0.1 trip the per-address login throttle, and it
// leaves odd data behind), then the log audit (it reads the logs every other suite produced).
const Sequencer = require('@jest/test-sequencer').default;

const LAST = [/[\\/]fuzz\.e2e-spec\.ts$/, /[\\/]log-audit\.e2e-spec\.ts$/];

class E2eLastSequencer extends Sequencer {
  async sort(tests) {
    const sorted = await super.sort(tests);
    const rank = (test) => LAST.findIndex((pattern) => pattern.test(test.path));
    // Array sort is stable: every other suite keeps its place relative to the others.
    return [...sorted].sort((a, b) => rank(a) - rank(b));
  }
}

module.exports = E2eLastSequencer;
