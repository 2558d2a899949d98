import { createHmac } from 'node:crypto';
import ipaddr from 'ipaddr.js';

/** The address in one canonical form: IPv4-mapped IPv6 (`::ffff:198.51.100.7`) as IPv4, IPv6 fully written out. */
function parse(ip: string): ipaddr.IPv4 | ipaddr.IPv6 {
  return ipaddr.process(ip);
}

/**
 * The network of an address, never the address: the /24 of an IPv4 address, the /48 of an IPv6 one (a site's
 * allocation, RFC 6177), written as CIDR. Coarse enough that it names a network, not a reader; enough for
 * "where do readers come from" and to spot one network flooding the stats.
 */
export function ipPrefix(ip: string): string {
  const address = parse(ip);
  if (address.kind() === 'ipv4') {
    const [a, b, c] = (address as ipaddr.IPv4).octets;
    return `${a}.${b}.${c}.0/24`;
  }
  const [a = 0, b = 0, c = 0] = (address as ipaddr.IPv6).parts;
  return `${new ipaddr.IPv6([a, b, c, 0, 0, 0, 0, 0]).toString()}/48`;
}

/** 128 bits of HMAC-SHA-256, hex: collisions are out of reach at a blog's scale, and shorter to store. */
const HASH_HEX_LENGTH = 32;

/**
 * A keyed hash of an address, salted per day: the same reader counts once per day (unique visitors), and nothing ties
 * their hash of one day to the next, or to their address without the key. The day's salt is HMAC(key, day), so no salt
 * has to be stored or rotated; the key comes from Secrets Manager and never leaves the function.
 */
export function ipHasher(key: Buffer): (ip: string, day: string) => string {
  const daySalts = new Map<string, Buffer>();
  return (ip, day) => {
    let salt = daySalts.get(day);
    if (salt === undefined) {
      salt = createHmac('sha256', key).update(`analytics-ip/${day}`).digest();
      daySalts.set(day, salt);
    }
    return createHmac('sha256', salt).update(parse(ip).toNormalizedString()).digest('hex').slice(0, HASH_HEX_LENGTH);
  };
}
