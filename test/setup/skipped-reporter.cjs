// Jest reporter: lists skipped tests at the end of the run, grouped by suite, with the
// project name. Jest's own reporters print nothing for a file whose tests are all skipped,
// which would hide the reason `describeRedis`/`describePostgres` put in the suite's name.
// Plain CommonJS: Jest loads reporters without transforming them.
'use strict';

const path = require('node:path');

class SkippedReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
    /** @type {Map<string, number>} */
    this.skipped = new Map();
  }

  onTestResult(test, testResult) {
    const project = projectName(test.context.config.displayName);
    const file = path.relative(this.rootDir, testResult.testFilePath);
    for (const result of testResult.testResults) {
      if (result.status !== 'pending' && result.status !== 'skipped') continue;
      const suite =
        result.ancestorTitles.length > 0 ? result.ancestorTitles.join(' › ') : result.title;
      const key = `${project.padEnd(7)} ${file}  ${suite}`;
      this.skipped.set(key, (this.skipped.get(key) ?? 0) + 1);
    }
  }

  onRunComplete() {
    if (this.skipped.size === 0) return;
    const lines = [...this.skipped]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, count]) => `  ${key} (${count} skipped)`);
    process.stderr.write(`\nSkipped:\n${lines.join('\n')}\n\n`);
  }
}

function projectName(displayName) {
  if (displayName === undefined) return '';
  return typeof displayName === 'string' ? displayName : displayName.name;
}

module.exports = SkippedReporter;
