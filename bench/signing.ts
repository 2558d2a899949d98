/**
 * Signed-URL issuance (functions/signed-url/signing.ts) against its floor — one RSA-SHA1 signature with a parsed
 * KeyObject (`crypto.sign`) — and against the signer handed a PEM string, which re-parses the key on every call.
 * Target (issue #5): issuance ≤ 1.15× the floor.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { getSignedUrl } from '@aws-sdk/cloudfront-signer';
import { signUrl, type SigningSettings } from '../functions/signed-url/signing';
import type { BenchTable } from './run';

const BATCHES = 15;
const PER_BATCH = 200;

/** Median µs/op over batches; the cases run interleaved, batch by batch, so machine noise hits them alike. */
function measure(cases: Record<string, () => void>): Record<string, number> {
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
  for (const run of Object.values(cases)) for (let i = 0; i < 50; i++) run(); // warm-up
  for (let batch = 0; batch < BATCHES; batch++) {
    for (const [name, run] of Object.entries(cases)) {
      const started = performance.now();
      for (let i = 0; i < PER_BATCH; i++) run();
      samples[name]?.push(((performance.now() - started) * 1000) / PER_BATCH);
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([name, values]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return [name, sorted[Math.floor(sorted.length / 2)] ?? Number.NaN];
  }));
}

/** The signing section of `npm run bench` (bench/run.ts). */
export async function signingBench(): Promise<BenchTable> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const key = { keyPairId: 'KBENCH', privateKey };
  const settings: SigningSettings = {
    baseUrl: 'https://d111111abcdef8.cloudfront.net',
    prefix: 'premium/',
    ipLock: false,
    expiry: { defaultSeconds: 300, minSeconds: 60, maxSeconds: 3600 },
  };
  const locked = { ...settings, ipLock: true };
  const url = 'https://d111111abcdef8.cloudfront.net/premium/guides/intro.pdf';
  const policy = JSON.stringify({ Statement: [{ Resource: url, Condition: { DateLessThan: { 'AWS:EpochTime': 1893456300 } } }] });
  const now = Date.now();
  const request = { key: 'premium/guides/intro.pdf', nowMs: now, expiresIn: 300, signingKey: key };
  const results = measure({
    raw: () => sign('RSA-SHA1', Buffer.from(policy), privateKey),
    canned: () => signUrl({ ...request, sourceIp: undefined, settings }),
    locked: () => signUrl({ ...request, sourceIp: '203.0.113.9', settings: locked }),
    pem: () => getSignedUrl({ url, keyPairId: 'KBENCH', privateKey: pem, dateLessThan: new Date(now + 300_000) }),
  });
  const base = results.raw ?? Number.NaN;
  const row = (name: string, micros: number | undefined, note: string) =>
    [name, (micros ?? Number.NaN).toFixed(1), `${((micros ?? Number.NaN) / base).toFixed(2)}×`, note];
  return {
    title: 'Signing — CloudFront signed URL issuance (RSA-2048), median µs per URL',
    headers: ['case', 'µs/op', '× baseline', 'note'],
    rows: [
      row('crypto.sign, parsed KeyObject (baseline)', results.raw, 'the floor: one signature'),
      row('signUrl, canned policy', results.canned, 'target ≤ 1.15×'),
      row('signUrl, IP-locked custom policy', results.locked, 'prod setting; target ≤ 1.15×'),
      row('cloudfront-signer given a PEM string', results.pem, 'parses the key on every call'),
    ],
    notes: [`${BATCHES} interleaved batches of ${PER_BATCH}; ratios are what to compare across machines.`],
  };
}
