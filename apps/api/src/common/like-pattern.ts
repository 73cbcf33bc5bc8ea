/** Escapes LIKE wildcards so a search is a plain substring match. */
export function likePattern(search: string): string {
  return `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
