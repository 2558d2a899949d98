/**
 * The analytics events of the blog, as the browser sends them (POST /events) and as the events function writes them to
 * the Kinesis stream for the transform (functions/analytics-transform). One schema for both ends, so a record the
 * ingest accepted is one the transform can read.
 *
 * zod/mini rather than zod's classic API: the same checks, but tree-shakable functions instead of methods, ~20 KB of
 * a bundle instead of ~450 KB (esbuild, minified; every bundle has a 300 KB budget, README "Tests").
 */
import * as z from 'zod/mini';

/** What the web app reports (web/src/analytics.ts): a page shown, a premium photo or video opened, a photo uploaded. */
export const EVENT_TYPES = ['page_view', 'premium_open', 'photo_upload'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** One request carries at most this many events (the beacon sends a batch when it has this many queued). */
export const MAX_EVENTS_PER_REQUEST = 25;

const MAX_PATH_LENGTH = 512;
const MAX_REFERRER_LENGTH = 1024;
const MAX_TARGET_LENGTH = 256;
/** Enough for any browser's; a longer one is cut by the ingest, not refused (the reader did nothing wrong). */
export const MAX_USER_AGENT_LENGTH = 512;
/** Enough for any browser's; a longer one is cut by the ingest, not refused (the reader did nothing wrong). */// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const NO_CONTROL = /^[^\u0000-\u001f\u007f-\u009f\u2028\u2029]*$/;

/** A path of this site: no scheme or host, and no query or fragment (where personal data would end up). */
const path = z.string().check(z.maxLength(MAX_PATH_LENGTH), z.regex(/^\/[^\s?#]*$/));

/** One event as the browser sends it. Unknown fields are refused, not stored. */
export const ClientEventSchema = z.strictObject({
  /** Made by the browser (crypto.randomUUID): the same event sent twice is recognised by it. */
  eventId: z.uuid(),
  type: z.enum(EVENT_TYPES),
  path,
  /** document.referrer when there is one; only its host is kept (functions/analytics-transform). */
  referrer: z.optional(z.url({ protocol: /^https?$/ }).check(z.maxLength(MAX_REFERRER_LENGTH))),
  /** The browser's clock (ISO 8601, UTC): the ingest refuses one too far from its own. */
  clientTime: z.iso.datetime(),
  /** Random, per browser tab (sessionStorage): groups the events of one visit, names no one. */
  sessionId: z.optional(z.uuid()),
  /** What was opened: a premium object's key for premium_open. */
  target: z.optional(z.string().check(z.minLength(1), z.maxLength(MAX_TARGET_LENGTH), z.regex(NO_CONTROL))),
});
export type ClientEvent = z.infer<typeof ClientEventSchema>;

export const EventBatchSchema = z.strictObject({
  events: z.array(ClientEventSchema).check(z.minLength(1), z.maxLength(MAX_EVENTS_PER_REQUEST)),
});

/** The stream record: the browser's event plus what only the server may say. */
export const StreamRecordSchema = z.extend(ClientEventSchema, {
  receivedAt: z.iso.datetime(),
  /** The caller's address as API Gateway saw it; the transform keeps a prefix and a keyed hash, never this. */
  sourceIp: z.union([z.ipv4(), z.ipv6()]),
  /** As sent, cut to MAX_USER_AGENT_LENGTH; the transform keeps a browser family and a device class, never this. */
  userAgent: z.string().check(z.maxLength(MAX_USER_AGENT_LENGTH)),
});
export type StreamRecord = z.infer<typeof StreamRecordSchema>;
