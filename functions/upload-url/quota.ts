/**
 * The daily upload quota's calendar: one counter per owner and UTC day (PhotosTable `quota#<YYYY-MM-DD>`), so every
 * user's allowance renews at the same instant, 00:00 UTC, which a refusal can name.
 */
import type { DailyCounter } from '../lib/photo-records';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface QuotaWindow {
  counter: DailyCounter;
  /** Whole seconds until the next UTC midnight, at least 1: the 429's Retry-After. */
  retryAfterSeconds: number;
}

export function quotaWindow(now: Date, limit: number): QuotaWindow {
  const start = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const next = start + DAY_MS;
  return {
    // The counter outlives its day by one, so a clock a little behind still finds it; TTL then removes it.
    counter: { day: new Date(start).toISOString().slice(0, 10), limit, expiresAt: (start + 2 * DAY_MS) / 1000 },
    retryAfterSeconds: Math.max(1, Math.ceil((next - now.getTime()) / 1000)),
  };
}
