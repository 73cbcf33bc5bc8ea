import { proxyToApi } from '@/lib/api-proxy';

export const dynamic = 'force-dynamic';

/** Model imports stream through to the API, which stages and checks every file itself. */
export async function POST(request: Request) {
  return proxyToApi(request, '/models/import', { stream: true });
}
