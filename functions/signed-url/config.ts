import { boolEnv, ConfigError, intEnv, optionalEnv, requireEnv } from '../lib/env';

const delivery = optionalEnv('PREMIUM_DELIVERY', 'cloudfront');
if (delivery !== 'cloudfront' && delivery !== 's3') {
  throw new ConfigError(`PREMIUM_DELIVERY must be "cloudfront" or "s3", got "${delivery}"`);
}
const ipLock = boolEnv('PREMIUM_IP_LOCK', false);
// A presigned S3 URL carries no IP condition (that would take an aws:SourceIp bucket policy per caller).
if (delivery === 's3' && ipLock) throw new ConfigError('PREMIUM_IP_LOCK needs PREMIUM_DELIVERY=cloudfront');

// S3 presigned URLs live at most 7 days (SigV4), and no longer than the function's temporary credentials.
const hardMax = delivery === 's3' ? 604_800 : 86_400;
const minSeconds = intEnv('PREMIUM_EXPIRY_MIN_SECONDS', 60, { min: 1, max: hardMax });
const maxSeconds = intEnv('PREMIUM_EXPIRY_MAX_SECONDS', 3_600, { min: minSeconds, max: hardMax });

const sameSite = optionalEnv('PREMIUM_COOKIE_SAMESITE', 'Strict');
if (sameSite !== 'Strict' && sameSite !== 'Lax' && sameSite !== 'None') {
  throw new ConfigError(`PREMIUM_COOKIE_SAMESITE must be Strict, Lax or None, got "${sameSite}"`);
}

export const config = {
  usersTable: requireEnv('USERS_TABLE'),
  premiumBucket: requireEnv('PREMIUM_BUCKET'),
  delivery,
  signing: {
    baseUrl: requireEnv('PREMIUM_BASE_URL').replace(/\/+$/, ''),
    prefix: optionalEnv('PREMIUM_PREFIX', 'premium/'),
    ipLock,
    expiry: {
      defaultSeconds: intEnv('PREMIUM_EXPIRY_SECONDS', 300, { min: minSeconds, max: maxSeconds }),
      minSeconds,
      maxSeconds,
    },
  },
  keyPairId: requireEnv('CLOUDFRONT_KEY_PAIR_ID'),
  /** The Secrets Manager secret holding the PEM private key; its value is never put in the environment. */
  privateKeySecret: requireEnv('CLOUDFRONT_PRIVATE_KEY_SECRET'),
  cookie: {
    domain: optionalEnv('PREMIUM_COOKIE_DOMAIN', ''),
    secure: boolEnv('PREMIUM_COOKIE_SECURE', true),
    sameSite,
  },
} as const;
