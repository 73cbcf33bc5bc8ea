const FALLBACK = '/projects';
/** Any origin will do: only whether the target stays on it matters. */
const SITE = 'https://finetrack.invalid';

/**
 * Only same-site paths may be returned to after logging in (no open redirects). The target is
 * parsed as the browser will parse it (which drops tabs and newlines, so `/\t/evil.example`
 * would mean `//evil.example`) and kept only when it resolves to this site's origin.
 */
export function safeReturnTo(value: string | null | undefined): string {
  if (!value || !value.startsWith('/')) return FALLBACK;
  let target: URL;
  try {
    target = new URL(value, SITE);
  } catch {
    return FALLBACK;
  }
  if (target.origin !== SITE) return FALLBACK;
  return `${target.pathname}${target.search}${target.hash}`;
}
