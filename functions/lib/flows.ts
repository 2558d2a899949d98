/**
 * The flows an operator watches, one source for three readers: the functions name their flow and emit its metrics
 * (functions/lib/observability.ts), the stage's dashboard draws a row per flow and alarms every function it lists
 * (scripts/serverless/operations.cjs), and `npm run metrics` sums the local counts per flow.
 *
 * Metrics go to CloudWatch as Embedded Metric Format log lines (Powertools Metrics): namespace = the service name
 * (POWERTOOLS_METRICS_NAMESPACE), dimensions `service` and `stage` on every metric. A metric with `reason` also carries
 * a `reason` dimension (a short, fixed vocabulary: never a user's input), so its count can be read per reason.
 *
 * No imports and plain data: the packaging plugin loads this file outside the bundles.
 */

export interface FlowMetric {
  /** PascalCase, a count of events unless the unit says otherwise. */
  readonly name: string;
  /** What one count means, in the words of the dashboard's legend. */
  readonly description: string;
  /** Emitted with a `reason` dimension (one series per reason). */
  readonly reason?: true;
}

export interface Flow {
  readonly title: string;
  /** Function keys of serverless.yml; each function belongs to exactly one flow. */
  readonly functions: readonly string[];
  readonly metrics: readonly FlowMetric[];
}

export const FLOWS = {
  site: {
    title: 'Blog (static site through CloudFront)',
    functions: ['health'],
    metrics: [],
  },
  subscriptions: {
    title: 'Subscriptions and welcome mail',
    functions: ['subscribe', 'unsubscribe', 'welcome', 'mailFeedback'],
    metrics: [
      { name: 'SubscriptionsAccepted', description: 'new subscriptions stored' },
      { name: 'SubscriptionsRefused', description: 'subscriptions refused', reason: true },
      { name: 'Unsubscribed', description: 'subscribers removed by their link' },
      { name: 'WelcomeSent', description: 'welcome mails accepted by SES' },
      { name: 'WelcomeRejected', description: 'welcome mails SES refused for good', reason: true },
      { name: 'WelcomeFailed', description: 'welcome mails that failed for now and will be retried' },
      { name: 'WelcomeSuppressed', description: 'welcome mails not sent: the address is suppressed' },
      { name: 'MailFeedback', description: 'bounces, complaints and rejects reported by SES', reason: true },
      { name: 'SubscribersSuppressed', description: 'subscribers marked suppressed by that feedback' },
    ],
  },
  photos: {
    title: 'Uploads, thumbnails and my photos',
    functions: ['upload-url', 'thumbnails', 'photos', 'listPhotos', 'getPhoto', 'deletePhoto'],
    metrics: [
      { name: 'UploadsSigned', description: 'presigned upload POSTs issued' },
      { name: 'UploadsRefused', description: 'upload requests refused', reason: true },
      { name: 'ThumbnailsReady', description: 'uploads turned into thumbnails' },
      { name: 'ThumbnailsFailed', description: 'uploads that could not be turned into thumbnails', reason: true },
      { name: 'PhotosDeleted', description: 'photos deleted by their owner' },
    ],
  },
  paid: {
    title: 'Paid content',
    functions: ['registration', 'plan', 'signedUrl', 'me'],
    metrics: [
      { name: 'UsersRegistered', description: 'users confirmed and recorded as free' },
      { name: 'PlanChanges', description: 'plan changes by admins', reason: true },
      { name: 'SignedUrlsIssued', description: 'signed URLs issued' },
      { name: 'SignedCookiesIssued', description: 'signed cookie sets issued' },
      { name: 'SignedAccessRefused', description: 'signed URL or cookie requests refused', reason: true },
    ],
  },
  analytics: {
    title: 'Analytics pipeline',
    functions: ['events', 'analyticsTransform', 'reports', 'getReport'],
    metrics: [
      { name: 'EventsIngested', description: 'events put on the stream' },
      { name: 'EventsRefused', description: 'events refused at the API', reason: true },
      { name: 'EventsDropped', description: 'events the transform dropped', reason: true },
      { name: 'EventsTransformed', description: 'events the transform passed on' },
      { name: 'ReportsBuilt', description: 'report rebuilds that completed' },
      { name: 'ReportsFailed', description: 'report rebuilds that failed' },
    ],
  },
} as const satisfies Record<string, Flow>;

export type FlowName = keyof typeof FLOWS;

/** The flow a function belongs to, by its serverless.yml key. */
export function flowOf(functionKey: string): FlowName {
  for (const [name, flow] of Object.entries(FLOWS) as [FlowName, Flow][]) {
    if (flow.functions.includes(functionKey)) return name;
  }
  throw new Error(`function ${functionKey} belongs to no flow in functions/lib/flows.ts`);
}
