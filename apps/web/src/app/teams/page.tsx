import { TeamsPage } from '@/features/teams/teams-page';

export default function Page() {
  return <TeamsPage />;
}
