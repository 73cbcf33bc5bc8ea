'use client';

import Link from 'next/link';
import { useMutation } from 'urql';
import { canAdmin } from './roles';
import { LogOutMutation } from './session.graphql';
import { useSession } from './session-context';

export function AppHeader() {
  const { me, team, setTeamId } = useSession();
  const [, logOut] = useMutation(LogOutMutation);

  return (
    <header className="app-header">
      <Link href="/" className="brand">
        Finetrack
      </Link>
      {me ? (
        <>
          <nav aria-label="Main">
            <Link href="/projects">Projects</Link>
            <Link href="/datasets">Datasets</Link>
            <Link href="/models">Models</Link>
            <Link href="/teams">Teams</Link>
            {team && canAdmin(team.role) ? (
              <Link href={`/teams/${team.id}/members`}>Members</Link>
            ) : null}
            <Link href="/settings/tokens">API tokens</Link>
          </nav>
          <div className="header-right">
            {me.teams.length > 0 ? (
              <label className="team-switcher">
                <span>Team</span>
                <select
                  name="team"
                  value={team?.id ?? ''}
                  onChange={(event) => setTeamId(event.target.value)}
                >
                  {me.teams.map((candidate) => (
                    <option key={candidate.id} value={candidate.id}>
                      {candidate.name} ({candidate.role.toLowerCase()})
                    </option>
                  ))}
                </select>
              </label>
            ) : null}
            <span className="who">{me.email}</span>
            <button
              type="button"
              onClick={async () => {
                await logOut({});
                // A full load drops every cached answer of the previous user.
                window.location.assign('/login');
              }}
            >
              Log out
            </button>
          </div>
        </>
      ) : (
        <nav aria-label="Account">
          <Link href="/login">Log in</Link>
          <Link href="/signup">Sign up</Link>
        </nav>
      )}
    </header>
  );
}
