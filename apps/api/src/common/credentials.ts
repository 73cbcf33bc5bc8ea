/** What API tokens start with, so a leaked one is recognisable (and greppable) as ours. */
export const TOKEN_PREFIX = 'ft_';

/** The cookie that carries a browser session's secret. */
export const SESSION_COOKIE = 'finetrack_session';
