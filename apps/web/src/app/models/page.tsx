import { ModelsPage } from '@/features/catalogue/models-page';

export default function Page() {
  return <ModelsPage />;
}
