'use client';

import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { useQuery } from 'urql';
import type { MeQuery as MeQueryResult, TeamRole } from '@/gql/graphql';
import { MeQuery } from './session.graphql';

type Me = MeQueryResult['me'];
type Team = Me['teams'][number];

export interface Session {
  me: Me | undefined;
  fetching: boolean;
  /** The team the header's switcher points at. */
  team: Team | undefined;
  setTeamId(id: string): void;
  /** The caller's role in a team, for pages of resources that name their team. */
  roleIn(teamId: string | undefined): TeamRole | undefined;
  refresh(): void;
}

const SessionContext = createContext<Session | null>(null);
const TEAM_KEY = 'finetrack.team';

function storedTeamId(): string | null {
  if (typeof window === 'undefined') return null;
  try {
    return window.localStorage.getItem(TEAM_KEY);
  } catch {
    return null;
  }
}

export function SessionProvider({ children }: { children: ReactNode }) {
  // Anonymous visitors are sent to /login by the client's error exchange (not on public pages).
  const [result, reexecute] = useQuery({ query: MeQuery });
  const [teamId, setTeamIdState] = useState<string | null>(storedTeamId);
  const me = result.data?.me;

  const setTeamId = useCallback((id: string) => {
    setTeamIdState(id);
    try {
      window.localStorage.setItem(TEAM_KEY, id);
    } catch {
      // storage may be disabled; the choice then lasts for this page only
    }
  }, []);

  const value = useMemo<Session>(() => {
    const teams = me?.teams ?? [];
    const team = teams.find((candidate) => candidate.id === teamId) ?? teams[0];
    return {
      me,
      fetching: result.fetching,
      team,
      setTeamId,
      roleIn: (id) => teams.find((candidate) => candidate.id === id)?.role,
      refresh: () => reexecute({ requestPolicy: 'network-only' }),
    };
  }, [me, result.fetching, teamId, setTeamId, reexecute]);

  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession needs a SessionProvider');
  return session;
}
