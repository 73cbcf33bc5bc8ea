import { MembersPage } from '@/features/teams/members-page';

export default async function Page({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <MembersPage teamId={id} />;
}
