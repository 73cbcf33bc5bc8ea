import { cookies } from 'next/headers';
import { redirect } from 'next/navigation';
import { SESSION_COOKIE, signedIn } from '@/lib/signed-in';

// Decided on the server for every request: a visitor lands on log-in or on their projects,
// never on a page that says "Loading…" while the browser finds out.
export const dynamic = 'force-dynamic';

export default async function Home() {
  const cookie = (await cookies()).get(SESSION_COOKIE)?.value;
  redirect((await signedIn(cookie)) ? '/projects' : '/login');
}
