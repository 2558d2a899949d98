/**
 * The premium sample content, generated rather than downloaded or committed: a photo-like JPEG and a short H.264 MP4.
 * Both are drawn as SVG and rendered with sharp; the video's frames are encoded by h264-mp4-encoder (minih264 +
 * minimp4 compiled to WebAssembly, shipped inside its npm package), so no ffmpeg or other tool is needed. The output
 * is deterministic: publishing twice uploads nothing new.
 */
import sharp from 'sharp';
import { createH264MP4Encoder } from 'h264-mp4-encoder';

export interface SampleFile {
  /** Object key in the premium bucket (under premium/, the prefix the distribution's /premium/* behaviour serves). */
  key: string;
  contentType: string;
  body: Buffer;
}

export const SAMPLE_IMAGE_KEY = 'premium/samples/northern-lights.jpg';
export const SAMPLE_VIDEO_KEY = 'premium/samples/serverless-in-four-seconds.mp4';

export const VIDEO = { width: 480, height: 272, frameRate: 24, seconds: 4 } as const;

function imageSvg(width: number, height: number): string {
  const ridges = [0.72, 0.8, 0.88].map((level, i) => {
    const points: string[] = [];
    for (let x = 0; x <= width; x += width / 12) {
      const y = height * level + Math.sin(x / (60 + i * 25) + i) * height * 0.05;
      points.push(`${x.toFixed(1)},${y.toFixed(1)}`);
    }
    return `<polygon fill="#0b1a2e" fill-opacity="${0.55 + i * 0.2}" points="0,${height} ${points.join(' ')} ${width},${height}"/>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
  <defs>
    <linearGradient id="sky" x1="0" y1="0" x2="0" y2="1">
      <stop offset="0" stop-color="#050b1f"/><stop offset="0.6" stop-color="#123a5a"/><stop offset="1" stop-color="#1e5a6e"/>
    </linearGradient>
    <linearGradient id="aurora" x1="0" y1="0" x2="1" y2="0">
      <stop offset="0" stop-color="#35f5a0" stop-opacity="0"/><stop offset="0.3" stop-color="#35f5a0" stop-opacity="0.8"/>
      <stop offset="0.7" stop-color="#8a6cff" stop-opacity="0.7"/><stop offset="1" stop-color="#8a6cff" stop-opacity="0"/>
    </linearGradient>
    <filter id="blur"><feGaussianBlur stdDeviation="18"/></filter>
  </defs>
  <rect width="100%" height="100%" fill="url(#sky)"/>
  <path d="M0,${height * 0.35} C${width * 0.25},${height * 0.1} ${width * 0.5},${height * 0.55} ${width},${height * 0.2}"
        stroke="url(#aurora)" stroke-width="${height * 0.12}" fill="none" filter="url(#blur)"/>
  <path d="M0,${height * 0.5} C${width * 0.3},${height * 0.25} ${width * 0.6},${height * 0.6} ${width},${height * 0.35}"
        stroke="url(#aurora)" stroke-width="${height * 0.06}" fill="none" filter="url(#blur)" opacity="0.7"/>
  ${ridges.join('\n  ')}
  <text x="${width - 24}" y="${height - 24}" text-anchor="end" font-family="sans-serif" font-size="${height * 0.05}"
        fill="#ffffff" fill-opacity="0.85">Premium sample · Serverless Blog</text>
</svg>`;
}

/** One frame: a clock hand sweeping once a second, a ball crossing the frame, and the frame's time in text. */
function frameSvg(frame: number): string {
  const { width, height, frameRate } = VIDEO;
  const t = frame / frameRate;
  const progress = frame / (frameRate * VIDEO.seconds);
  const angle = (t % 1) * 2 * Math.PI;
  const cx = width * 0.25;
  const cy = height * 0.5;
  const r = height * 0.3;
  const hue = Math.round(200 + 120 * progress);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
  <rect width="100%" height="100%" fill="hsl(${hue}, 45%, 18%)"/>
  <circle cx="${cx}" cy="${cy}" r="${r}" fill="none" stroke="#ffffff" stroke-opacity="0.6" stroke-width="4"/>
  <line x1="${cx}" y1="${cy}" x2="${(cx + r * Math.sin(angle)).toFixed(1)}" y2="${(cy - r * Math.cos(angle)).toFixed(1)}"
        stroke="#35f5a0" stroke-width="6" stroke-linecap="round"/>
  <circle cx="${(width * 0.5 + progress * width * 0.4).toFixed(1)}" cy="${(height * 0.7).toFixed(1)}" r="${height * 0.07}" fill="#ffb454"/>
  <text x="${width * 0.55}" y="${height * 0.35}" font-family="sans-serif" font-size="${height * 0.1}" fill="#ffffff">${t.toFixed(2)} s</text>
  <text x="${width * 0.55}" y="${height * 0.5}" font-family="sans-serif" font-size="${height * 0.06}" fill="#ffffff" fill-opacity="0.8">Premium video</text>
</svg>`;
}

/**
 * minimp4 stamps the movie, track and media headers (mvhd, tkhd, mdhd) with the time of encoding. Those fields are
 * set to zero (1904-01-01, "unknown"), so the same frames always give the same bytes. Version-0 boxes only, which is
 * what minimp4 writes; anything else is left as it is.
 */
function pinTimestamps(mp4: Buffer): Buffer {
  const visit = (start: number, end: number) => {
    for (let offset = start; offset + 8 <= end; ) {
      const size = mp4.readUInt32BE(offset);
      if (size < 8 || offset + size > end) return;
      const type = mp4.toString('latin1', offset + 4, offset + 8);
      if (['moov', 'trak', 'mdia'].includes(type)) visit(offset + 8, offset + size);
      if (['mvhd', 'tkhd', 'mdhd'].includes(type) && mp4[offset + 8] === 0) {
        mp4.writeUInt32BE(0, offset + 12); // creation_time
        mp4.writeUInt32BE(0, offset + 16); // modification_time
      }
      offset += size;
    }
  };
  visit(0, mp4.length);
  return mp4;
}

export async function sampleImage(): Promise<SampleFile> {
  const body = await sharp(Buffer.from(imageSvg(1200, 800)))
    .jpeg({ quality: 82, mozjpeg: true })
    .toBuffer();
  return { key: SAMPLE_IMAGE_KEY, contentType: 'image/jpeg', body };
}

export async function sampleVideo(): Promise<SampleFile> {
  const { width, height, frameRate, seconds } = VIDEO;
  const encoder = await createH264MP4Encoder();
  encoder.width = width;
  encoder.height = height;
  encoder.frameRate = frameRate;
  encoder.quantizationParameter = 30;
  // A key frame every second: a player seeking, or starting late, decodes at most a second of frames.
  encoder.groupOfPictures = frameRate;
  encoder.outputFilename = 'sample.mp4';
  encoder.initialize();
  try {
    for (let frame = 0; frame < frameRate * seconds; frame++) {
      const rgba = await sharp(Buffer.from(frameSvg(frame))).ensureAlpha().raw().toBuffer();
      encoder.addFrameRgba(rgba);
    }
    encoder.finalize();
    const body = pinTimestamps(Buffer.from(encoder.FS.readFile(encoder.outputFilename)));
    encoder.FS.unlink(encoder.outputFilename);
    return { key: SAMPLE_VIDEO_KEY, contentType: 'video/mp4', body };
  } finally {
    encoder.delete();
  }
}

export async function sampleMedia(): Promise<SampleFile[]> {
  return [await sampleImage(), await sampleVideo()];
}
