import { proxyToApi } from '@/lib/api-proxy';

export const dynamic = 'force-dynamic';

export async function GET(request: Request, { params }: { params: Promise<{ path: string[] }> }) {
  const { path } = await params;
  return proxyToApi(request, `/dataset-files/${path.map(encodeURIComponent).join('/')}`);
}
