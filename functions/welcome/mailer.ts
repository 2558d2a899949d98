import { BadRequestException, MessageRejected, SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import pThrottle from 'p-throttle';
import { PermanentSendError, type Mailer, type OutgoingEmail } from './welcome';

/**
 * Sends through SES API v2 `SendEmail` (IAM action ses:SendEmail) with simple content: v2 takes custom headers
 * (List-Unsubscribe) on simple content, where v1 SendEmail takes none and v1 SendRawEmail would need its own
 * action and a hand-built MIME message. Throttling is retried by the client (see clients.ts).
 *
 * Every mail goes out with the stage's configuration set (resources/mail-feedback.yml): its bounces, complaints and
 * rejects come back to the mailFeedback function, and its suppression options apply to it.
 */
export class SesMailer implements Mailer {
  constructor(
    private readonly ses: SESv2Client,
    private readonly from: string,
    private readonly configurationSetName: string,
  ) {}

  async send(email: OutgoingEmail): Promise<{ messageId: string }> {
    try {
      const result = await this.ses.send(
        new SendEmailCommand({
          FromEmailAddress: this.from,
          ConfigurationSetName: this.configurationSetName,
          Destination: { ToAddresses: [email.to] },
          Content: {
            Simple: {
              Subject: { Data: email.subject, Charset: 'UTF-8' },
              Body: { Html: { Data: email.html, Charset: 'UTF-8' }, Text: { Data: email.text, Charset: 'UTF-8' } },
              Headers: email.headers.map(({ name, value }) => ({ Name: name, Value: value })),
            },
          },
        }),
      );
      return { messageId: result.MessageId ?? '' };
    } catch (error) {
      // SES API v2 SendEmail errors (API reference, SendEmail "Errors"): MessageRejected (this message will not be
      // sent, e.g. invalid content or a suppressed address) and BadRequestException (the input is invalid, i.e. the
      // address) fail the same way on every retry. The others are transient for this record and retried:
      // TooManyRequestsException and LimitExceededException (rate, daily quota), and the account-wide
      // SendingPausedException, AccountSuspendedException, MailFromDomainNotVerifiedException, NotFoundException —
      // an operator can fix those, after which the retries (or `npm run redrive`) send. So are 5xx, timeouts and
      // refused connections (an SES outage).
      if (error instanceof MessageRejected || error instanceof BadRequestException) {
        throw new PermanentSendError(`${error.name}: ${error.message}`);
      }
      throw error;
    }
  }
}

/**
 * Spaces sends at the account's SES maximum send rate. Records of a batch are processed in parallel; without pacing
 * the first second's burst is answered with throttling and the SDK's backoff leaves the rate unused (measured in
 * `npm run bench`: 0.67 of the ideal rate with adaptive retry alone). p-throttle does the spacing (library, not a
 * hand-rolled token bucket): one send per interval, queued in call order. It replaced Bottleneck, whose Redis
 * clustering made it 58 of the welcome bundle's KB (README, cold start); p-throttle is 4. Throttling that still
 * happens (other instances share the account rate) is retried by the client.
 */
export function pacedMailer(mailer: Mailer, sendsPerSecond: number): Mailer {
  const paced = pThrottle({ limit: 1, interval: Math.ceil(1000 / sendsPerSecond) })((email: OutgoingEmail) => mailer.send(email));
  return { send: (email) => paced(email) };
}
