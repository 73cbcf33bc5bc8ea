import { apiBaseUrl } from './api-proxy';

/**
 * The API's URL as worker hosts reach it, for the command the workers page shows: PUBLIC_API_URL,
 * else API_URL (the proxies' target). Read at request time, like API_URL.
 */
export function publicApiUrl(): string {
  return (process.env.PUBLIC_API_URL || apiBaseUrl()).replace(/\/$/, '');
}
