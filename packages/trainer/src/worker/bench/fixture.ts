import { createHash } from 'node:crypto';
import { toLayerInput } from '@finetrack/shared';
import { UserSession, type ApiProcess } from './local-api.js';
import { TARGET_DATASET, type SourceModelFiles } from './source-model.js';

/** A team ready for runs: a user (bearer token), a worker token, a project, a dataset, a source. */
export interface TeamFixture {
  user: UserSession;
  workerToken: string;
  teamId: string;
  projectId: string;
  datasetId: string;
  sourceModelId: string;
  /** Registers another source model with its files (`corrupt`: weights.bin cut short). */
  registerSource(name: string, corrupt?: boolean): Promise<string>;
  /** A MNIST 5–9 dataset with this many training samples. */
  createDataset(trainSamples: number): Promise<string>;
}

/** Signs a user up through the API and sets up what an experiment needs. */
export async function setUpTeam(
  api: ApiProcess,
  source: SourceModelFiles,
  email = 'worker-e2e@example.test',
): Promise<TeamFixture> {
  const user = new UserSession(api.url);
  await user.gql(`mutation($input: SignUpInput!) { signUp(input: $input) { id } }`, {
    input: { email, password: 'correct horse battery', name: 'Worker tests' },
  });
  const teamId: string = (
    await user.gql(`mutation { createTeam(input: { name: "Workers" }) { id } }`)
  ).createTeam.id;
  const token = async (role: 'USER' | 'WORKER') =>
    (
      await user.gql(
        `mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token } }`,
        { input: { name: role.toLowerCase(), teamId, role } },
      )
    ).createApiToken.token as string;
  const workerToken = await token('WORKER');
  user.token = await token('USER');
  const projectId: string = (
    await user.gql(
      `mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }`,
      {
        input: { teamId, name: 'digits' },
      },
    )
  ).createProject.id;

  const createDataset = async (trainSamples: number): Promise<string> =>
    (
      await user.gql(
        `mutation($input: CreateDatasetInput!) { createDataset(input: $input) { id } }`,
        {
          input: {
            teamId,
            name: `MNIST 5–9 (${trainSamples})`,
            classNames: ['5', '6', '7', '8', '9'],
            spec: { ...TARGET_DATASET, trainSamples },
            trainSamples,
            validationSamples: TARGET_DATASET.validationSamples,
          },
        },
      )
    ).createDataset.id;

  const registerSource = async (name: string, corrupt = false): Promise<string> => {
    const { createModel } = await user.gql(
      `mutation($input: CreateModelInput!) { createModel(input: $input) { id } }`,
      {
        input: {
          teamId,
          name,
          kind: 'SOURCE',
          architecture: 'small-cnn',
          inputShape: [28, 28, 1],
          layers: source.layers.map(toLayerInput),
          totalParams: source.totalParams,
          trainableParams: source.trainableParams,
        },
      },
    );
    for (const file of source.files) {
      const bytes =
        corrupt && file.kind === 'weights'
          ? file.bytes.subarray(0, file.bytes.length - 64)
          : file.bytes;
      const { createArtifact } = await user.gql(
        `mutation($input: CreateArtifactInput!) { createArtifact(input: $input) { id } }`,
        {
          input: {
            modelId: createModel.id,
            kind: file.kind,
            fileName: file.fileName,
            byteSize: bytes.length,
            sha256: createHash('sha256').update(bytes).digest('hex'),
          },
        },
      );
      const response = await fetch(`${api.url}/artifacts/${createArtifact.id}`, {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${user.token}`,
          'content-type': 'application/octet-stream',
        },
        body: bytes,
      });
      if (response.status !== 201)
        throw new Error(
          `uploading ${file.fileName}: HTTP ${response.status} ${await response.text()}`,
        );
    }
    return createModel.id;
  };

  return {
    user,
    workerToken,
    teamId,
    projectId,
    datasetId: await createDataset(TARGET_DATASET.trainSamples),
    sourceModelId: await registerSource('small-cnn 0–4'),
    registerSource,
    createDataset,
  };
}

/** Creates an experiment from a sweep (GraphQL enum values) and returns its id and run ids. */
export async function createExperiment(
  team: TeamFixture,
  sweep: Record<string, unknown>,
  options: { datasetId?: string; sourceModelId?: string } = {},
): Promise<{ id: string; runIds: string[] }> {
  const { createExperiment } = await team.user.gql(
    `mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { id } }`,
    {
      input: {
        projectId: team.projectId,
        sourceModelId: options.sourceModelId ?? team.sourceModelId,
        targetDatasetId: options.datasetId ?? team.datasetId,
        sweep: {
          epochs: 1,
          batchSize: 32,
          optimizer: 'ADAM',
          includeScratchBaseline: false,
          seeds: [1],
          ...sweep,
        },
      },
    },
  );
  const { runs } = await team.user.gql(
    `query($id: ID!) { runs(experimentId: $id, first: 1000) { nodes { id } } }`,
    { id: createExperiment.id },
  );
  return { id: createExperiment.id, runIds: runs.nodes.map((run: { id: string }) => run.id) };
}

/** Status of every run of an experiment. */
export async function runStatuses(team: TeamFixture, experimentId: string): Promise<string[]> {
  const { runs } = await team.user.gql(
    `query($id: ID!) { runs(experimentId: $id, first: 1000) { nodes { status } } }`,
    { id: experimentId },
  );
  return runs.nodes.map((run: { status: string }) => run.status);
}
