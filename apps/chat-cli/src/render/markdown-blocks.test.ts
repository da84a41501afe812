import { describe, expect, it } from 'vitest';
import { type FinishedBlock, MarkdownBlocks } from './markdown-blocks.js';

/** Feeds `text` in pieces of `size` characters and collects every block, as a stream would. */
function stream(text: string, size: number): { blocks: FinishedBlock[]; tails: string[] } {
  const markdown = new MarkdownBlocks();
  const blocks: FinishedBlock[] = [];
  const tails: string[] = [];
  for (let at = 0; at < text.length; at += size) {
    markdown.push(text.slice(at, at + size));
    blocks.push(...markdown.take());
    tails.push(markdown.tail);
  }
  blocks.push(...markdown.end());
  return { blocks, tails };
}

const ANSWER =
  '# Title\nIntro **bold**.\n\n\n- a\n- b\n\n```js\nconst a = 1;\n\nconst b = 2;\n```\nAfter the code\n| x |\n|---|\n| 1 |';

describe('MarkdownBlocks', () => {
  it('finishes blocks at blank lines, closing fences and heading ends, whatever the chunking', () => {
    const expected: FinishedBlock[] = [
      { text: '# Title', markdown: true },
      { text: 'Intro **bold**.', markdown: true },
      { text: '', markdown: false },
      { text: '- a\n- b', markdown: true },
      { text: '', markdown: false },
      // A blank line inside a fence does not end the block.
      { text: '```js\nconst a = 1;\n\nconst b = 2;\n```', markdown: true },
      { text: 'After the code\n| x |\n|---|\n| 1 |', markdown: true },
    ];
    for (const size of [1, 3, 7, ANSWER.length]) expect(stream(ANSWER, size).blocks).toEqual(expected);
  });

  it('keeps the unfinished block as the tail until it ends', () => {
    const markdown = new MarkdownBlocks();
    markdown.push('| a | b |\n|---');
    expect(markdown.take()).toEqual([]);
    expect(markdown.tail).toBe('| a | b |\n|---');
    markdown.push('|---|\n\nnext');
    expect(markdown.take()).toEqual([
      { text: '| a | b |\n|---|---|', markdown: true },
      { text: '', markdown: false },
    ]);
    expect(markdown.tail).toBe('next');
  });

  it('a tail given up as plain lines keeps the rest of its block plain', () => {
    const markdown = new MarkdownBlocks();
    markdown.push('```\nline 1\nline 2\npart');
    expect(markdown.takeTailLines()).toBe('```\nline 1\nline 2\n');
    expect(markdown.tail).toBe('part');
    markdown.push('ial\n```\n\n**next**\n\n');
    expect(markdown.take()).toEqual([
      { text: 'partial\n```', markdown: false },
      { text: '', markdown: false },
      { text: '**next**', markdown: true },
      { text: '', markdown: false },
    ]);
  });
});
