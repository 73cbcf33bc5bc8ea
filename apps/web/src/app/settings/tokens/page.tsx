import { TokensPage } from '@/features/tokens/tokens-page';

export default function Page() {
  return <TokensPage />;
}
