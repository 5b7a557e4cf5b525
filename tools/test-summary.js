// Prints the closing line CI reads, "N passed, N failed", from one or more Jest --json outputs.
// A suite that failed to run (syntax error, failing hook) counts as one failure; so does a
// missing or unreadable result file, and a run that executed no test at all.
const fs = require('node:fs');

let passed = 0;
let failed = 0;
for (const file of process.argv.slice(2)) {
  try {
    const r = JSON.parse(fs.readFileSync(file, 'utf8'));
    const brokenSuites = r.testResults.filter(
      (s) => s.status === 'failed' && s.assertionResults.every((a) => a.status !== 'failed'),
    ).length;
    passed += r.numPassedTests;
    failed += r.numFailedTests + brokenSuites;
    if (r.numTotalTests === 0) failed += 1;
  } catch (err) {
    console.error(`test-summary: no readable Jest results in ${file}: ${err.message}`);
    failed += 1;
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
