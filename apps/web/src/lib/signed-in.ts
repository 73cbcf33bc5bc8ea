import { apiBaseUrl } from './api-proxy';

/** The API's session cookie (the API names it; the browser sends it to this origin). */
const SESSION_COOKIE = 'finetrack_session';

/**
 * Whether the request's session cookie is a live session, asked of the API on the server (so a
 * visitor is sent to the right page before anything renders). An unreachable API counts as not
 * signed in: the log-in page says what is wrong, where a blank "Loading…" would not.
 */
export async function signedIn(cookie: string | undefined): Promise<boolean> {
  if (!cookie) return false;
  try {
    const response = await fetch(`${apiBaseUrl()}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        cookie: `${SESSION_COOKIE}=${cookie}`,
      },
      body: JSON.stringify({ query: '{ me { id } }' }),
      cache: 'no-store',
    });
    if (!response.ok) return false;
    const body = (await response.json()) as { data?: { me?: { id?: string } | null } | null };
    return Boolean(body.data?.me?.id);
  } catch {
    return false;
  }
}

export { SESSION_COOKIE };
