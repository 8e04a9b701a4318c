'use strict';
/**
 * Ends every jest run with one plain line, `tests: N passed, N failed, N skipped`, that any CI
 * log reader understands (jest's own summary line has a different shape).
 */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const line = `tests: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${
      results.numPendingTests + results.numTodoTests
    } skipped`;
    process.stdout.write(`\n${line}\n`);
  }
}
module.exports = SummaryReporter;
