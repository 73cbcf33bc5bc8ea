/** Where an artifact's bytes live in the store: under its team, so a team's files sit together. */
export const artifactKey = (artifact: { teamId: string; id: string }) =>
  `${artifact.teamId}/${artifact.id}`;
