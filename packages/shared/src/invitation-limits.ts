/**
 * Team invitations: how long one stays open and how many may be sent. The API enforces these and
 * the web app shows them, so each is the one definition of its rule. The hourly numbers are the
 * API's defaults for INVITATIONS_PER_TEAM_PER_HOUR / INVITATIONS_PER_INVITER_PER_HOUR.
 */

/** Days an invitation can be accepted after it was sent. */
export const INVITATION_TTL_DAYS = 7;
/** Invitations one team may send per rolling hour (revoked ones count: they were sent). */
export const INVITATIONS_PER_TEAM_PER_HOUR = 20;
/** Invitations one person may send per rolling hour, over all their teams. */
export const INVITATIONS_PER_INVITER_PER_HOUR = 20;
/** Open (pending, unexpired) invitations of one team; also the price of `Team.invitations`. */
export const MAX_PENDING_INVITATIONS_PER_TEAM = 100;
/** Open invitations listed to one invitee (newest first); the price of `User.invitations`. */
export const MAX_INVITATIONS_LISTED = 100;
