import { proxyToApi } from '@/lib/api-proxy';

export const dynamic = 'force-dynamic';

// Resumable dataset uploads (tus) go to the API as they are. The proxy reads each request body
// within BODY_LIMIT_BYTES, so the browser's tus client must send chunks smaller than that.
async function forward(request: Request, { params }: { params: Promise<{ path?: string[] }> }) {
  const { path = [] } = await params;
  const tail = path.map(encodeURIComponent).join('/');
  return proxyToApi(request, tail ? `/uploads/${tail}` : '/uploads');
}

export {
  forward as DELETE,
  forward as HEAD,
  forward as OPTIONS,
  forward as PATCH,
  forward as POST,
};
