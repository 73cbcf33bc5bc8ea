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
      <Link prefetch={false} href="/" className="brand">
        Finetrack
      </Link>
      {me ? (
        <>
          <nav aria-label="Main">
            <Link prefetch={false} href="/projects">
              Projects
            </Link>
            <Link prefetch={false} href="/datasets">
              Datasets
            </Link>
            <Link prefetch={false} href="/models">
              Models
            </Link>
            <Link prefetch={false} href="/workers">
              Workers
            </Link>
            <Link prefetch={false} href="/teams">
              Teams
            </Link>
            {team && canAdmin(team.role) ? (
              <Link prefetch={false} href={`/teams/${team.id}/members`}>
                Members
              </Link>
            ) : null}
            <Link prefetch={false} href="/settings/tokens">
              API tokens
            </Link>
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
          <Link prefetch={false} href="/login">
            Log in
          </Link>
          <Link prefetch={false} href="/signup">
            Sign up
          </Link>
        </nav>
      )}
    </header>
  );
}
