/**
 * How `npm run check:readme` reads Markdown (scripts/readme-samples.ts): which blocks are
 * samples, where they start, and the two markers that make exceptions.
 */
import { describe, expect, it } from '@jest/globals';
import { extractSamples, sampleFileName } from '../../scripts/readme-samples.js';

describe('extractSamples', () => {
  it('takes ts and typescript blocks with their fence line, and only those', () => {
    const md = [
      '# Title', // 1
      '```ts', // 2
      "import { cached } from 'hotpath';", // 3
      '```', // 4
      '```sh', // 5
      'npm test', // 6
      '```', // 7
      '```typescript', // 8
      'const a = 1;', // 9
      '```', // 10
      '````md', // 11
      '```ts', // 12: inside a longer fence, not a sample
      'nope', // 13
      '```', // 14
      '````', // 15
    ].join('\n');
    expect(extractSamples(md, 'README.md')).toEqual([
      {
        file: 'README.md',
        line: 2,
        code: "import { cached } from 'hotpath';\n",
        modes: ['tc39', 'legacy'],
      },
      { file: 'README.md', line: 8, code: 'const a = 1;\n', modes: ['tc39', 'legacy'] },
    ]);
  });

  it('removes the indentation of a block inside a list item', () => {
    const md = ['- item:', '', '  ```ts', '  if (a) {', '    b();', '  }', '  ```'].join('\n');
    expect(extractSamples(md, 'x.md')[0]!.code).toBe('if (a) {\n  b();\n}\n');
  });

  it('reads the markers on the line before a block, blank lines aside', () => {
    const md = [
      '<!-- legacy-decorators: NestJS -->',
      '',
      '```ts',
      'a;',
      '```',
      '<!-- not-compiled: a fragment -->',
      '```ts',
      'b;',
      '```',
    ].join('\n');
    expect(extractSamples(md, 'README.md')).toEqual([
      { file: 'README.md', line: 3, code: 'a;\n', modes: ['legacy'], legacyOnly: 'NestJS' },
      { file: 'README.md', line: 7, code: 'b;\n', modes: [], notCompiled: 'a fragment' },
    ]);
  });

  it('refuses a marker without a reason, or one that does not precede a TypeScript block', () => {
    expect(() => extractSamples('<!-- not-compiled -->\n```ts\na;\n```', 'README.md')).toThrow(
      new Error('README.md:1: write the reason: <!-- not-compiled: why -->'),
    );
    expect(() =>
      extractSamples('<!-- legacy-decorators: x -->\ntext\n```ts\na;\n```', 'README.md'),
    ).toThrow(new Error('README.md:1: a marker is not followed by a TypeScript block'));
    expect(() => extractSamples('<!-- not-compiled: x -->\n```sh\nls\n```', 'README.md')).toThrow(
      new Error('README.md:1: a marker is not followed by a TypeScript block'),
    );
    expect(() => extractSamples('text\n<!-- not-compiled: x -->\n', 'README.md')).toThrow(
      new Error('README.md:2: a marker is not followed by a TypeScript block'),
    );
  });

  it('names each sample module after its file and line', () => {
    expect(sampleFileName({ file: 'docs/ARCHITECTURE.md', line: 12, code: '', modes: [] })).toBe(
      'docs_ARCHITECTURE-12.ts',
    );
  });
});
