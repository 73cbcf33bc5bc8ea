import { proxyToApi } from '@/lib/api-proxy';

export const dynamic = 'force-dynamic';

/** The model's folder as a zip, streamed from the API. */
export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return proxyToApi(request, `/models/${encodeURIComponent(id)}/download`);
}
