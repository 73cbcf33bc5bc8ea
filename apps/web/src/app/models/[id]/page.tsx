import { ModelPage } from '@/features/catalogue/model-page';

export default async function Page({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <ModelPage id={id} />;
}
