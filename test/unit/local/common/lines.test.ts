/** mapLines: a process's output line by line through a function, with nothing lost and nothing held unbounded. */
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { mapLines } from '../../../../scripts/local/common/lines';

const through = (chunks: (string | Buffer)[], map: (line: string) => string, max = 64) =>
  text(Readable.from(chunks.map((chunk) => (typeof chunk === 'string' ? Buffer.from(chunk) : chunk))).pipe(mapLines(map, max)));

describe('mapLines', () => {
  it('maps each complete line, also one split over chunks, and passes a last line without newline as it is', async () => {
    const out = await through(['one\ntw', 'o\nthr', 'ee'], (line) => `<${line}>`);
    expect(out).toBe('<one>\n<two>\nthree');
  });

  it('keeps a character split between chunks whole', async () => {
    const bytes = Buffer.from('λ: ok\n');
    const out = await through([bytes.subarray(0, 1), bytes.subarray(1)], (line) => `[${line}]`);
    expect(out).toBe('[λ: ok]\n');
  });

  it('passes a line longer than the limit as it came, unmapped, without holding it whole, and maps the next', async () => {
    // Prepare
    const long = 'x'.repeat(1_048_576);
    const seen: string[] = [];

    // Act
    const out = await through([long.slice(0, 500_000), long.slice(500_000), '\nafter\n'], (line) => (seen.push(line), line.toUpperCase()), 1_000);

    // Assess
    expect(out).toBe(`${long}\nAFTER\n`);
    expect(seen).toEqual(['after']);
  });

  it('passes a line whose map throws as it came', async () => {
    const out = await through(['bad\ngood\n'], (line) => {
      if (line === 'bad') throw new Error('boom');
      return line.toUpperCase();
    });
    expect(out).toBe('bad\nGOOD\n');
  });
});
