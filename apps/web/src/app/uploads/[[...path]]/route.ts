import { archiveLimitBytes, streamToApi } from '@/lib/api-proxy';

export const dynamic = 'force-dynamic';

// The tus resumable-upload endpoint (create, append, resume, terminate), streamed to the API. One
// request never carries more than a whole archive, so that is the most this proxy lets through.
type Context = { params: Promise<{ path?: string[] }> };

async function handle(request: Request, { params }: Context): Promise<Response> {
  const { path = [] } = await params;
  const suffix = path.map(encodeURIComponent).join('/');
  return streamToApi(request, suffix ? `/uploads/${suffix}` : '/uploads', archiveLimitBytes());
}

export { handle as POST, handle as PATCH, handle as HEAD, handle as OPTIONS, handle as DELETE };
