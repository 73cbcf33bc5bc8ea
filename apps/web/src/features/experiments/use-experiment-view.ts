'use client';

import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useCallback, useMemo } from 'react';
import { parseView, serializeView, type ExperimentView } from './page-state';

/** The page's view (metric, selection, curve options) lives in the URL, so it can be shared. */
export function useExperimentView() {
  const searchParams = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const view = useMemo(
    () => parseView(new URLSearchParams(searchParams.toString())),
    [searchParams],
  );
  const setView = useCallback(
    (patch: Partial<ExperimentView>) => {
      const query = serializeView({ ...view, ...patch });
      router.replace(query ? `${pathname}?${query}` : pathname, { scroll: false });
    },
    [router, pathname, view],
  );
  return [view, setView] as const;
}

export type SetView = (patch: Partial<ExperimentView>) => void;
