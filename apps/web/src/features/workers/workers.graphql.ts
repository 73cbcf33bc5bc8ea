import { graphql } from '@/gql';

export const TeamWorkersQuery = graphql(`
  query TeamWorkers($teamId: ID!) {
    team(id: $teamId) {
      id
      workers {
        id
        name
        hostname
        backends
        device
        kinds
        concurrency
        version
        instance
        online
        busy
        lastHeartbeatAt
        currentRun {
          id
          kind
          frozenLayers
          learningRate
          status
        }
      }
    }
  }
`);

export const RevokeWorkerMutation = graphql(`
  mutation RevokeWorker($teamId: ID!, $workerId: ID!) {
    revokeWorker(teamId: $teamId, workerId: $workerId)
  }
`);
