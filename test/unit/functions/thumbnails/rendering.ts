/** What the thumbnails tests render with, and how they read a refusal. */
import { RejectedInput, renderThumbnails, type ThumbnailOptions } from '../../../../functions/thumbnails/thumbnails';

/** The stage defaults of serverless.yml (widths, WebP, 2400 px high at most, 40 MP in). */
export const options: ThumbnailOptions = { widths: [160, 480, 1200], formats: ['webp'], maxHeight: 2400, maxInputPixels: 40_000_000, quality: 80 };

/** The RejectedInput rendering `bytes` ends in; anything else (success included) fails the test. */
export async function rejection(bytes: Uint8Array, opts = options): Promise<RejectedInput> {
  const error: unknown = await renderThumbnails(bytes, opts).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof RejectedInput)) throw new Error(`expected a RejectedInput, got ${String(error)}`);
  return error;
}
