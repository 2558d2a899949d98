/**
 * A process's output, line by line through `map` (the offline log shows EMF lines readable, metrics/): each complete
 * line is replaced by what `map` returns for it. Whatever cannot be a line `map` should read passes as it came: a
 * line longer than `maxLineBytes` (streamed on, never held in memory whole), a last line without its newline at the
 * end, and any line for which `map` throws — the log must never lose output, and a bad line must not stop the stack.
 */
import { StringDecoder } from 'node:string_decoder';
import { Transform } from 'node:stream';

export function mapLines(map: (line: string) => string, maxLineBytes: number): Transform {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  /** Inside a line already found too long: the rest of it passes as it comes, up to its newline. */
  let overlong = false;
  const mapped = (line: string) => {
    try {
      return map(line);
    } catch {
      return line;
    }
  };
  const take = (text: string, push: (out: string) => void) => {
    let start = 0;
    for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
      const piece = text.slice(start, end);
      if (overlong) push(`${piece}\n`);
      else push(`${mapped(pending + piece)}\n`);
      pending = '';
      overlong = false;
      start = end + 1;
    }
    const rest = text.slice(start);
    if (overlong) push(rest);
    else {
      pending += rest;
      // Bytes ≥ characters, so the character count is a cheap first check.
      if (pending.length > maxLineBytes || Buffer.byteLength(pending, 'utf8') > maxLineBytes) {
        push(pending);
        pending = '';
        overlong = true;
      }
    }
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      let out = '';
      take(decoder.write(chunk), (piece) => (out += piece));
      done(null, out.length > 0 ? out : undefined);
    },
    flush(done) {
      const tail = pending + decoder.end();
      pending = '';
      done(null, tail.length > 0 ? tail : undefined);
    },
  });
}
