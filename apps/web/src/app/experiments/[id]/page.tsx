import { Suspense } from 'react';
import { ExperimentPage } from '@/features/experiments/experiment-page';
import { Loading } from '@/features/ui/states';

export default async function Page({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return (
    <Suspense fallback={<Loading />}>
      <ExperimentPage id={id} />
    </Suspense>
  );
}
