import { NewExperimentPage } from '@/features/experiments/new-experiment-page';

export default async function Page({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <NewExperimentPage projectId={id} />;
}
