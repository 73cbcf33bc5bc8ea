import { PretrainPage } from '@/features/catalogue/pretrain-page';

export default function Page() {
  return <PretrainPage />;
}
