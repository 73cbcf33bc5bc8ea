import { graphql } from '@/gql';

export const CreateTeamMutation = graphql(`
  mutation CreateTeam($input: CreateTeamInput!) {
    createTeam(input: $input) {
      id
      name
      role
    }
  }
`);

export const TeamMembersQuery = graphql(`
  query TeamMembers($teamId: ID!) {
    team(id: $teamId) {
      id
      name
      role
      members(first: 200) {
        nodes {
          id
          role
          userId
          user {
            id
            email
            name
          }
        }
        pageInfo {
          hasNextPage
          endCursor
        }
      }
    }
  }
`);

export const InviteTeamMemberMutation = graphql(`
  mutation InviteTeamMember($input: InviteTeamMemberInput!) {
    inviteTeamMember(input: $input) {
      id
      email
      role
      expiresAt
    }
  }
`);

export const TeamInvitationsQuery = graphql(`
  query TeamInvitations($teamId: ID!) {
    team(id: $teamId) {
      id
      invitations {
        id
        email
        role
        expiresAt
        inviterName
      }
    }
  }
`);

export const RevokeInvitationMutation = graphql(`
  mutation RevokeInvitation($id: ID!) {
    revokeInvitation(id: $id)
  }
`);

export const MyInvitationsQuery = graphql(`
  query MyInvitations {
    me {
      id
      invitations {
        id
        teamName
        role
        inviterName
        expiresAt
      }
    }
  }
`);

export const AcceptInvitationMutation = graphql(`
  mutation AcceptInvitation($id: ID!) {
    acceptInvitation(id: $id) {
      id
      teamId
      role
    }
  }
`);

export const DeclineInvitationMutation = graphql(`
  mutation DeclineInvitation($id: ID!) {
    declineInvitation(id: $id)
  }
`);

export const LeaveTeamMutation = graphql(`
  mutation LeaveTeam($teamId: ID!) {
    leaveTeam(teamId: $teamId)
  }
`);

export const UpdateTeamMemberMutation = graphql(`
  mutation UpdateTeamMember($input: UpdateTeamMemberInput!) {
    updateTeamMember(input: $input) {
      id
      role
    }
  }
`);

export const RemoveTeamMemberMutation = graphql(`
  mutation RemoveTeamMember($teamId: ID!, $userId: ID!) {
    removeTeamMember(teamId: $teamId, userId: $userId)
  }
`);
