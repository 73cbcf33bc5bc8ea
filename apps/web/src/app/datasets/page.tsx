import { DatasetsPage } from '@/features/catalogue/datasets-page';

export default function Page() {
  return <DatasetsPage />;
}
