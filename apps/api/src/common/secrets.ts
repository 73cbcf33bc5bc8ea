import { createHash, randomBytes } from 'node:crypto';

/** A 256-bit random secret, URL-safe, with a readable prefix. */
export function newSecret(prefix: string): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

/** High-entropy secrets need no slow hash; sha256 makes a stolen table useless. */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
