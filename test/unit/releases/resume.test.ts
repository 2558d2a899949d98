/**
 * Resume planning (scripts/releases/resume.ts): which partial file may be continued, and what each answer to a
 * (ranged) GET means for it, with RFC 9110's rules for Range, If-Range, 206 and 416.
 */
import {
  backoffMs, parseContentRange, planAnswer, planResume, requestHeaders, strongEtag, type PartOf,
} from '../../../scripts/releases/resume';
import type { ReleaseManifest } from '../../../web/src/releases/manifest';

const manifest: ReleaseManifest = {
  format: 1, channel: 'stable', version: '1.2.0', file: 'app.bin', size: 1000, sha256: 'b'.repeat(64),
  releasedAt: '2026-12-01T00:00:00Z', signedAt: '2026-12-01T00:00:00Z', expiresAt: '2027-03-01T00:00:00Z', keyId: 'release-1',
};
const of: PartOf = { version: '1.2.0', sha256: 'b'.repeat(64), size: 1000, etag: '"abc"' };

describe('planResume', () => {
  it('starts from scratch with no part, or an empty one', () => {
    expect(planResume(manifest, undefined)).toEqual({ action: 'start' });
    expect(planResume(manifest, { size: 0, of })).toEqual({ action: 'start' });
  });

  it('resumes a part of this very release from its size, validated by its strong ETag', () => {
    expect(planResume(manifest, { size: 400, of })).toEqual({ action: 'resume', offset: 400, ifRange: '"abc"' });
  });

  it('resumes without If-Range when the part began with no ETag, or a weak one (If-Range must not carry it)', () => {
    expect(planResume(manifest, { size: 400, of: { ...of, etag: undefined } })).toEqual({ action: 'resume', offset: 400 });
    expect(planResume(manifest, { size: 400, of: { ...of, etag: 'W/"abc"' } })).toEqual({ action: 'resume', offset: 400 });
  });

  it('verifies a part that is already the whole file, without a request', () => {
    expect(planResume(manifest, { size: 1000, of })).toEqual({ action: 'verify' });
  });

  it.each([
    ['no record of what it is', { size: 400 }, /no record/],
    ['a part of another version', { size: 400, of: { ...of, version: '1.1.0' } }, /part of 1\.1\.0, not of 1\.2\.0/],
    ['a part of the same version with another hash (a forged or rebuilt manifest)', { size: 400, of: { ...of, sha256: 'c'.repeat(64) } }, /part of 1\.2\.0/],
    ['longer than the file', { size: 1001, of }, /longer \(1001 bytes\) than the file \(1000\)/],
  ])('discards a part with %s', (_, part, why) => {
    const plan = planResume(manifest, part);
    expect(plan.action).toBe('start');
    expect(plan).toMatchObject({ discard: expect.stringMatching(why) as unknown });
  });
});

describe('requestHeaders', () => {
  it('asks for the identity encoding always, and for a range with If-Range only when resuming', () => {
    expect(requestHeaders({ offset: 0, ifRange: '"abc"' })).toEqual({ 'accept-encoding': 'identity' });
    expect(requestHeaders({ offset: 400, ifRange: '"abc"' })).toEqual({ 'accept-encoding': 'identity', range: 'bytes=400-', 'if-range': '"abc"' });
    expect(requestHeaders({ offset: 400 })).toEqual({ 'accept-encoding': 'identity', range: 'bytes=400-' });
  });
});

describe('parseContentRange', () => {
  it.each([
    ['bytes 400-999/1000', { first: 400, last: 999, complete: 1000 }],
    ['bytes 400-999/*', { first: 400, last: 999 }],
    ['bytes */1000', { unsatisfied: 1000 }],
    ['bytes 9-3/10', undefined],
    ['items 1-2/3', undefined],
    [null, undefined],
  ])('%p → %p', (header, parsed) => {
    expect(parseContentRange(header)).toEqual(parsed);
  });
});

describe('planAnswer', () => {
  const resume = { offset: 400, etag: '"abc"' };

  it('appends a 206 that starts at the offset, with the same ETag', () => {
    const answer = { status: 206, contentRange: 'bytes 400-999/1000', etag: '"abc"' };
    expect(planAnswer(resume, answer, 1000)).toEqual({ action: 'write', offset: 400, etag: '"abc"' });
  });

  it('takes a 200 to a ranged request as the whole object, written from byte 0 (the part is replaced)', () => {
    const answer = { status: 200, contentLength: '1000', etag: '"new"' };
    expect(planAnswer(resume, answer, 1000)).toEqual({ action: 'write', offset: 0, etag: '"new"' });
  });

  it('restarts when a 206 carries another ETag (a cache that ignored If-Range would splice two objects)', () => {
    const answer = { status: 206, contentRange: 'bytes 400-999/1000', etag: '"new"' };
    expect(planAnswer(resume, answer, 1000)).toMatchObject({ action: 'restart', why: expect.stringMatching(/ETag differs/) as unknown });
  });

  it('restarts when a 206 starts elsewhere or has no usable Content-Range', () => {
    expect(planAnswer(resume, { status: 206, contentRange: 'bytes 0-999/1000', etag: '"abc"' }, 1000).action).toBe('restart');
    expect(planAnswer(resume, { status: 206, etag: '"abc"' }, 1000).action).toBe('restart');
  });

  it('refuses an object whose size differs from the manifest, from a 200 or a 206 (no byte of it can be the file)', () => {
    expect(planAnswer({ offset: 0 }, { status: 200, contentLength: '999' }, 1000)).toEqual({ action: 'size-mismatch', size: 999 });
    expect(planAnswer(resume, { status: 206, contentRange: 'bytes 400-1099/1100', etag: '"abc"' }, 1000)).toEqual({ action: 'size-mismatch', size: 1100 });
  });

  it('on 416: verifies a complete part, restarts one the object does not reach, refuses an object of another size', () => {
    expect(planAnswer({ offset: 1000 }, { status: 416, contentRange: 'bytes */1000' }, 1000)).toEqual({ action: 'verify' });
    expect(planAnswer(resume, { status: 416 }, 1000).action).toBe('restart');
    expect(planAnswer(resume, { status: 416, contentRange: 'bytes */300' }, 1000)).toEqual({ action: 'size-mismatch', size: 300 });
  });

  it('retries a 5xx and fails a 4xx', () => {
    expect(planAnswer(resume, { status: 503 }, 1000)).toEqual({ action: 'retry', why: 'HTTP 503' });
    expect(planAnswer(resume, { status: 403 }, 1000)).toEqual({ action: 'fail', why: 'HTTP 403' });
    expect(planAnswer({ offset: 0 }, { status: 404 }, 1000)).toEqual({ action: 'fail', why: 'HTTP 404' });
  });

  it('fails a 206 to a request for the whole file', () => {
    expect(planAnswer({ offset: 0 }, { status: 206, contentRange: 'bytes 0-9/1000' }, 1000).action).toBe('fail');
  });
});

describe('strongEtag and backoffMs', () => {
  it('keeps only strong entity tags', () => {
    expect(strongEtag('"abc"')).toBe('"abc"');
    expect(strongEtag('W/"abc"')).toBeUndefined();
    expect(strongEtag('abc')).toBeUndefined();
    expect(strongEtag(null)).toBeUndefined();
  });

  it('doubles the pause per retry up to the cap, half of it fixed and half random', () => {
    const options = { baseMs: 500, maxMs: 4000 };
    expect([1, 2, 3, 4, 5].map((n) => backoffMs(n, options, 0))).toEqual([250, 500, 1000, 2000, 2000]);
    expect([1, 2, 3, 4, 5].map((n) => backoffMs(n, options, 0.5))).toEqual([375, 750, 1500, 3000, 3000]);
    expect(backoffMs(9, options, 0.999_999)).toBeLessThanOrEqual(4000);
  });
});
