import { proxyToApi } from '@/lib/api-proxy';

export const dynamic = 'force-dynamic';

export function POST(request: Request) {
  return proxyToApi(request, '/graphql');
}

export function GET(request: Request) {
  return proxyToApi(request, '/graphql');
}
