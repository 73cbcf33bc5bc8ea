import { proxyToApi } from '@/lib/api-proxy';

export const dynamic = 'force-dynamic';

// A dataset's archive and its thumbnails, read with the visitor's session.
export async function GET(request: Request, { params }: { params: Promise<{ path: string[] }> }) {
  const { path } = await params;
  return proxyToApi(request, `/dataset-files/${path.map(encodeURIComponent).join('/')}`);
}
