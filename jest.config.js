// Every project with a jest.config.js, in one run, so the summary counts every test.
const fs = require('node:fs');
const path = require('node:path');

const projects = ['apps', 'libs'].flatMap((dir) =>
  fs
    .readdirSync(path.join(__dirname, dir))
    .map((name) => path.join(__dirname, dir, name))
    .filter((p) => fs.existsSync(path.join(p, 'jest.config.js'))),
);

// The order of test files is a setting of the whole run, not of a project: the e2e suite's fuzz
// harness and log audit must come after every other file, whichever projects run.
module.exports = { projects, testSequencer: '<rootDir>/apps/e2e/test-sequencer.js' };
