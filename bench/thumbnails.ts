/**
 * Thumbnails: the handler's work end to end against a local S3 (HeadObject, GetObject, render, three PutObjects), the
 * bare in-process pipeline (one decode + clone() per size), and three separate pipelines (one decode per size), on a
 * 12 MP and a 24 MP JPEG. Each scenario runs in its own process so that its peak RSS is its own.
 * Targets (issue #3): end to end ≤ 1.10× the bare pipeline; peak RSS ≤ 320 MB at 24 MP.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import sharp from 'sharp';
import type { BenchTable } from './run';
import { S3ThumbnailSink, S3UploadSource } from '../functions/thumbnails/adapters';
import { processUpload, type ProcessOptions } from '../functions/thumbnails/process-upload';
import { renderThumbnails } from '../functions/thumbnails/thumbnails';
import { HOST, LOCAL_REGION, LOCAL_S3_CREDENTIALS } from '../scripts/local/ports';
import { startLocalS3 } from '../scripts/local/s3';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 5);
const WIDTHS = [160, 480, 1200];
const OPTIONS: ProcessOptions = {
  widths: WIDTHS,
  formats: ['webp'],
  maxInputPixels: 40_000_000,
  quality: 80,
  maxInputBytes: 50 * 1024 * 1024,
  publicBaseUrl: 'http://bench.local',
};
const BUCKET = 'bench-uploads';
const OWNER = '0b5c9a1e-7f1d-4c6e-9a51-3c2f0e8d4b11';

type Scenario = 'end-to-end' | 'bare' | 'separate';

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
};

/** A photo-like JPEG: noise has the entropy of a real photo, a flat colour would decode unrealistically fast. */
async function photo(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 120, g: 110, b: 100 }, noise: { type: 'gaussian', mean: 120, sigma: 40 } } })
    .jpeg({ quality: 90 })
    .toBuffer();
}

function s3Client(endpoint: string): S3Client {
  return new S3Client({ endpoint, region: LOCAL_REGION, credentials: LOCAL_S3_CREDENTIALS, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED' });
}

/** One scenario, in this (child) process: median ms over ITERATIONS after one warm-up, and peak RSS. */
async function child(scenario: Scenario, file: string, endpoint: string): Promise<void> {
  const bytes = readFileSync(file);
  let once: () => Promise<unknown>;
  if (scenario === 'bare') {
    once = () => renderThumbnails(bytes, OPTIONS);
  } else if (scenario === 'separate') {
    once = () =>
      Promise.all(
        WIDTHS.map((width) =>
          sharp(bytes, { limitInputPixels: OPTIONS.maxInputPixels, failOn: 'error' }).rotate().resize({ width, withoutEnlargement: true }).webp({ quality: 80 }).toBuffer(),
        ),
      );
  } else {
    const s3 = s3Client(endpoint);
    const key = `uploads/${OWNER}/${path.basename(file)}`;
    const ports = {
      uploads: new S3UploadSource(s3, BUCKET),
      thumbnails: new S3ThumbnailSink(s3, BUCKET),
      events: { publish: async () => undefined }, // SNS is one small request; not part of this measurement
    };
    once = () => processUpload({ bucket: BUCKET, key }, OPTIONS, ports);
  }
  await once();
  const times: number[] = [];
  for (let i = 0; i < ITERATIONS; i++) {
    const started = process.hrtime.bigint();
    await once();
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  process.stdout.write(JSON.stringify({ ms: median(times), peakRssMb: process.resourceUsage().maxRSS / 1024 }));
}

async function runChild(scenario: Scenario, file: string, endpoint: string): Promise<{ ms: number; peakRssMb: number }> {
  const { stdout } = await promisify(execFile)(process.execPath, [require.resolve('tsx/cli'), __filename, '--child', scenario, file, endpoint], {
    env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'SILENT', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    maxBuffer: 1024 * 1024,
  });
  return JSON.parse(stdout) as { ms: number; peakRssMb: number };
}

export async function thumbnailsBench(): Promise<BenchTable> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-thumbnails-'));
  const localS3 = await startLocalS3({ host: HOST, port: 0, directory: path.join(dir, 's3') });
  const endpoint = `http://${HOST}:${localS3.port}`;
  const s3 = s3Client(endpoint);
  const rows: (string | number)[][] = [];
  try {
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    for (const [label, width, height] of [['12 MP', 4000, 3000], ['24 MP', 6000, 4000]] as const) {
      const bytes = await photo(width, height);
      const file = path.join(dir, `${width}x${height}.jpg`);
      writeFileSync(file, bytes);
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `uploads/${OWNER}/${path.basename(file)}`, Body: bytes }));
      // Sequential, not parallel: the scenarios would compete for the same cores.
      const bare = await runChild('bare', file, endpoint);
      const separate = await runChild('separate', file, endpoint);
      const endToEnd = await runChild('end-to-end', file, endpoint);
      const image = `${label} (${(bytes.length / 1024 / 1024).toFixed(1)} MB)`;
      for (const [scenario, result] of [
        ['bare pipeline (decode once + clone)', bare],
        ['three separate pipelines', separate],
        ['handler end to end (local S3)', endToEnd],
      ] as const) {
        rows.push([image, scenario, result.ms.toFixed(0), `${(result.ms / bare.ms).toFixed(2)}×`, result.peakRssMb.toFixed(0)]);
      }
    }
  } finally {
    s3.destroy();
    await localS3.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    title: 'thumbnails — JPEG → WebP q80 at 160/480/1200 px (baseline: the bare pipeline)',
    headers: ['image', 'scenario', 'median ms', 'vs bare', 'peak RSS MB'],
    rows,
    notes: [
      `Median of ${ITERATIONS} runs after a warm-up; each scenario in its own process, so peak RSS is its own.`,
      'End to end = HeadObject + GetObject + render + 3 PutObject against s3rver on this machine (SNS publish not included).',
      'Targets (issue #3): end to end <= 1.10x bare; peak RSS <= 320 MB at 24 MP.',
    ],
  };
}

if (process.argv[2] === '--child') {
  child(process.argv[3] as Scenario, process.argv[4] ?? '', process.argv[5] ?? '').catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
