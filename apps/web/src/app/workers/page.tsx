import { WorkersPage } from '@/features/workers/workers-page';
import { publicApiUrl } from '@/lib/public-api-url';

// The API's URL is read per request (PUBLIC_API_URL can change without a rebuild).
export const dynamic = 'force-dynamic';

export default function Page() {
  return <WorkersPage apiUrl={publicApiUrl()} />;
}
