import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.js';
import {
  aDataset,
  addMember,
  INVITE_MEMBER,
  aProject,
  aSourceModel,
  aTeam,
  anExperiment,
  aUser,
  SMALL_CNN_LAYERS,
} from './factories/builders.js';
import type { ApiClient, Loose } from './factories/client.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.stop();
});

/** Walks a connection page by page and returns every node's `field`. */
async function collect(
  client: ApiClient,
  query: string,
  variables: Loose,
  pick: (data: Loose) => Loose,
  field = 'name',
): Promise<unknown[]> {
  const seen: unknown[] = [];
  let after: string | null = null;
  for (let guard = 0; guard < 50; guard++) {
    const page = pick(await client.gql(query, { ...variables, after }));
    seen.push(...page.nodes.map((node: Loose) => node[field]));
    if (!page.pageInfo.hasNextPage) return seen;
    expect(page.pageInfo.endCursor).toEqual(expect.any(String));
    after = page.pageInfo.endCursor;
  }
  throw new Error('pagination did not end');
}

describe('teams and members', () => {
  it('lists, renames and deletes teams; manages members and roles', async () => {
    const { client } = await aUser(t.url);
    const teams = [
      await aTeam(client, { name: 'A' }),
      await aTeam(client, { name: 'B' }),
      await aTeam(client, { name: 'C' }),
    ];
    const names = await collect(
      client,
      `query($after: String) { teams(first: 2, after: $after) { nodes { name } pageInfo { hasNextPage endCursor } } }`,
      {},
      (data) => data.teams,
    );
    expect(names).toEqual(['C', 'B', 'A']);
    const renamed = await client.gql(
      `mutation($input: UpdateTeamInput!) { updateTeam(input: $input) { name } }`,
      {
        input: { id: teams[0].id, name: 'A2' },
      },
    );
    expect(renamed.updateTeam.name).toBe('A2');

    const other = await aUser(t.url);
    const membership = await addMember(client, teams[0].id, other, 'MEMBER');
    expect(membership.role).toBe('MEMBER');
    const updated = await client.gql(
      `mutation($input: UpdateTeamMemberInput!) { updateTeamMember(input: $input) { role } }`,
      { input: { teamId: teams[0].id, userId: other.user.id, role: 'ADMIN' } },
    );
    expect(updated.updateTeamMember.role).toBe('ADMIN');
    const members = await client.gql(
      `query($id: ID!) { team(id: $id) { members { nodes { role user { email } } } } }`,
      { id: teams[0].id },
    );
    expect(members.team.members.nodes).toHaveLength(2);
    expect(
      await client.code(
        `mutation($teamId: ID!, $userId: ID!) { removeTeamMember(teamId: $teamId, userId: $userId) }`,
        {
          teamId: teams[0].id,
          userId: (await client.gql('{ me { id } }')).me.id,
        },
      ),
    ).toBe('CONFLICT'); // the last owner cannot leave
    await client.gql(
      `mutation($teamId: ID!, $userId: ID!) { removeTeamMember(teamId: $teamId, userId: $userId) }`,
      {
        teamId: teams[0].id,
        userId: other.user.id,
      },
    );
    expect(
      await other.client.code(`query($id: ID!) { team(id: $id) { id } }`, { id: teams[0].id }),
    ).toBe('NOT_FOUND');

    expect(
      (await client.gql(`mutation($id: ID!) { deleteTeam(id: $id) }`, { id: teams[2].id }))
        .deleteTeam,
    ).toBe(true);
    expect(await client.code(`query($id: ID!) { team(id: $id) { id } }`, { id: teams[2].id })).toBe(
      'NOT_FOUND',
    );
  });

  it('refuses inviting a member again, or an email twice while the first is open', async () => {
    const { client } = await aUser(t.url);
    const team = await aTeam(client);
    const other = await aUser(t.url);
    await addMember(client, team.id, other, 'VIEWER');
    expect(
      await client.code(INVITE_MEMBER, {
        input: { teamId: team.id, email: other.user.email.toUpperCase(), role: 'VIEWER' },
      }),
    ).toBe('CONFLICT');
    const input = { teamId: team.id, email: 'nobody@example.test', role: 'VIEWER' };
    expect((await client.gql(INVITE_MEMBER, { input })).inviteTeamMember).toMatchObject({
      email: 'nobody@example.test',
      status: 'PENDING',
    });
    expect(await client.code(INVITE_MEMBER, { input })).toBe('CONFLICT');
  });
});

describe('projects', () => {
  it('create, read, update, delete', async () => {
    const { client } = await aUser(t.url);
    const team = await aTeam(client);
    const project = await aProject(client, team.id, { name: 'Digits', description: 'first' });
    const read = await client.gql(
      `query($id: ID!) { project(id: $id) { id name description teamId } }`,
      { id: project.id },
    );
    expect(read.project).toEqual({
      id: project.id,
      name: 'Digits',
      description: 'first',
      teamId: team.id,
    });
    const updated = await client.gql(
      `mutation($input: UpdateProjectInput!) { updateProject(input: $input) { name description } }`,
      { input: { id: project.id, description: 'second' } },
    );
    expect(updated.updateProject).toEqual({ name: 'Digits', description: 'second' });
    await client.gql(`mutation($id: ID!) { deleteProject(id: $id) }`, { id: project.id });
    expect(
      await client.code(`query($id: ID!) { project(id: $id) { id } }`, { id: project.id }),
    ).toBe('NOT_FOUND');
  });

  it('paginates (capped page size), filters by name and sorts', async () => {
    const { client } = await aUser(t.url);
    const team = await aTeam(client);
    for (const name of ['delta', 'alpha', 'charlie', 'bravo', 'echo'])
      await aProject(client, team.id, { name });
    const query = `query($teamId: ID!, $after: String, $filter: ProjectFilter, $orderBy: ListOrder, $first: Int) {
      projects(teamId: $teamId, first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
        nodes { name } pageInfo { hasNextPage endCursor } } }`;
    const newest = await collect(client, query, { teamId: team.id, first: 2 }, (d) => d.projects);
    expect(newest).toEqual(['echo', 'bravo', 'charlie', 'alpha', 'delta']);
    const byName = await collect(
      client,
      query,
      { teamId: team.id, first: 2, orderBy: { field: 'NAME', direction: 'ASC' } },
      (d) => d.projects,
    );
    expect(byName).toEqual(['alpha', 'bravo', 'charlie', 'delta', 'echo']);
    const byNameDesc = await collect(
      client,
      query,
      { teamId: team.id, first: 3, orderBy: { field: 'NAME', direction: 'DESC' } },
      (d) => d.projects,
    );
    expect(byNameDesc).toEqual(['echo', 'delta', 'charlie', 'bravo', 'alpha']);
    const filtered = await client.gql(query, { teamId: team.id, filter: { search: 'HAR' } });
    expect(filtered.projects.nodes).toEqual([{ name: 'charlie' }]);
    const capped = await client.gql(query, { teamId: team.id, first: 100_000 });
    expect(capped.projects.nodes).toHaveLength(5);
    expect(await client.code(query, { teamId: team.id, first: -1 })).toBe('BAD_USER_INPUT');
    expect(await client.code(query, { teamId: team.id, after: 'garbage' })).toBe('BAD_USER_INPUT');
  });
});

describe('datasets', () => {
  it('CRUD, filter by kind and name, sort by name', async () => {
    const { client } = await aUser(t.url);
    const team = await aTeam(client);
    const mnist = await aDataset(client, team.id, {
      name: 'mnist 0-4',
      spec: { kind: 'mnist', classes: [0, 1, 2, 3, 4] },
    });
    await aDataset(client, team.id, {
      name: 'fashion',
      spec: { kind: 'fashion-mnist', classes: [0, 1] },
    });
    await aDataset(client, team.id, { name: 'folder', spec: { kind: 'folder', path: 'flowers' } });
    const read = await client.gql(
      `query($id: ID!) { dataset(id: $id) { name spec classNames trainSamples } }`,
      { id: mnist.id },
    );
    expect(read.dataset).toMatchObject({
      name: 'mnist 0-4',
      spec: { kind: 'mnist', classes: [0, 1, 2, 3, 4] },
    });
    const list = `query($teamId: ID!, $filter: DatasetFilter, $orderBy: ListOrder) {
      datasets(teamId: $teamId, filter: $filter, orderBy: $orderBy) { nodes { name } } }`;
    expect(
      (await client.gql(list, { teamId: team.id, filter: { kind: 'folder' } })).datasets.nodes,
    ).toEqual([{ name: 'folder' }]);
    expect(
      (await client.gql(list, { teamId: team.id, filter: { search: 'fash' } })).datasets.nodes,
    ).toEqual([{ name: 'fashion' }]);
    expect(
      (
        await client.gql(list, { teamId: team.id, orderBy: { field: 'NAME', direction: 'ASC' } })
      ).datasets.nodes.map((n: Loose) => n.name),
    ).toEqual(['fashion', 'folder', 'mnist 0-4']);
    const updated = await client.gql(
      `mutation($input: UpdateDatasetInput!) { updateDataset(input: $input) { name contentHash } }`,
      {
        input: { id: mnist.id, name: 'digits', contentHash: 'a'.repeat(64) },
      },
    );
    expect(updated.updateDataset).toEqual({ name: 'digits', contentHash: 'a'.repeat(64) });
    await client.gql(`mutation($id: ID!) { deleteDataset(id: $id) }`, { id: mnist.id });
    expect(await client.code(`query($id: ID!) { dataset(id: $id) { id } }`, { id: mnist.id })).toBe(
      'NOT_FOUND',
    );
  });

  it.each([
    ['unknown kind', { kind: 'cifar' }],
    ['classes missing', { kind: 'mnist' }],
    ['class out of range', { kind: 'mnist', classes: [12] }],
    ['absolute folder path', { kind: 'folder', path: '/etc' }],
    ['folder path escaping the root', { kind: 'folder', path: '../x' }],
  ])('rejects a loader spec with %s', async (_name, spec) => {
    const { client } = await aUser(t.url);
    const team = await aTeam(client);
    const response = await client.request(
      `mutation($input: CreateDatasetInput!) { createDataset(input: $input) { id } }`,
      {
        input: {
          teamId: team.id,
          name: 'bad',
          classNames: ['a'],
          trainSamples: 1,
          validationSamples: 1,
          spec,
        },
      },
    );
    expect(response.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('models and lineage', () => {
  it('records a target model with its parent, surgery and layers; filters and sorts', async () => {
    const { client } = await aUser(t.url);
    const team = await aTeam(client);
    const dataset = await aDataset(client, team.id);
    const source = await aSourceModel(client, team.id, { name: 'source', datasetId: dataset.id });
    const target = await client.gql(
      `mutation($input: CreateModelInput!) { createModel(input: $input) {
         id kind parent { id name } surgery { cutLayer headUnits frozenLayers frozenLayerNames learningRate initialization }
         layers { name outputShape weightBearing } trainableParams weightsSha256 } }`,
      {
        input: {
          teamId: team.id,
          name: 'target',
          kind: 'TARGET',
          architecture: 'small-cnn',
          inputShape: [28, 28, 1],
          layers: SMALL_CNN_LAYERS,
          totalParams: 56389,
          trainableParams: 51589,
          parentModelId: source.id,
          surgery: {
            cutLayer: 'dense1',
            headUnits: 5,
            frozenLayers: 2,
            frozenLayerNames: ['conv1', 'conv2'],
            learningRate: 0.001,
          },
          weightsSha256: 'b'.repeat(64),
        },
      },
    );
    expect(target.createModel).toMatchObject({
      kind: 'TARGET',
      parent: { id: source.id, name: 'source' },
      surgery: {
        cutLayer: 'dense1',
        frozenLayers: 2,
        frozenLayerNames: ['conv1', 'conv2'],
        initialization: 'PRETRAINED',
      },
      trainableParams: 51589,
    });
    expect(target.createModel.layers[0]).toEqual({
      name: 'conv1',
      outputShape: [null, 26, 26, 16],
      weightBearing: true,
    });
    const lineage = await client.gql(
      `query($id: ID!) { model(id: $id) { dataset { id } children { nodes { id name } } } }`,
      { id: source.id },
    );
    expect(lineage.model).toEqual({
      dataset: { id: dataset.id },
      children: { nodes: [{ id: target.createModel.id, name: 'target' }] },
    });
    const list = `query($teamId: ID!, $filter: ModelFilter, $orderBy: ListOrder) { models(teamId: $teamId, filter: $filter, orderBy: $orderBy) { nodes { name } } }`;
    expect(
      (await client.gql(list, { teamId: team.id, filter: { kind: 'TARGET' } })).models.nodes,
    ).toEqual([{ name: 'target' }]);
    expect(
      (await client.gql(list, { teamId: team.id, orderBy: { field: 'NAME', direction: 'DESC' } }))
        .models.nodes,
    ).toEqual([{ name: 'target' }, { name: 'source' }]);
    const renamed = await client.gql(
      `mutation($input: UpdateModelInput!) { updateModel(input: $input) { name } }`,
      {
        input: { id: source.id, name: 'source v2' },
      },
    );
    expect(renamed.updateModel.name).toBe('source v2');
    await client.gql(`mutation($id: ID!) { deleteModel(id: $id) }`, { id: target.createModel.id });
    expect(
      await client.code(`query($id: ID!) { model(id: $id) { id } }`, { id: target.createModel.id }),
    ).toBe('NOT_FOUND');
  });

  it('a target model needs a source parent and a surgery record', async () => {
    const { client } = await aUser(t.url);
    const team = await aTeam(client);
    const create = `mutation($input: CreateModelInput!) { createModel(input: $input) { id } }`;
    const base = {
      teamId: team.id,
      name: 't',
      kind: 'TARGET',
      architecture: 'small-cnn',
      inputShape: [28, 28, 1],
      layers: [],
      totalParams: 1,
      trainableParams: 1,
    };
    expect(await client.code(create, { input: base })).toBe('BAD_USER_INPUT');
    expect(
      await client.code(create, { input: { ...base, kind: 'SOURCE', trainableParams: 2 } }),
    ).toBe('BAD_USER_INPUT');
  });
});

describe('experiments and runs', () => {
  it('expands the sweep into runs in one transaction', async () => {
    const { client } = await aUser(t.url);
    const team = await aTeam(client);
    const { experiment } = await anExperiment(client, team.id);
    const data = await client.gql(
      `query($id: ID!) { experiment(id: $id) { name status sweep runs(first: 100) { nodes { frozenLayers learningRate seed initialization status external epochs batchSize optimizer } } } }`,
      { id: experiment.id },
    );
    const runs = data.experiment.runs.nodes;
    expect(runs).toHaveLength(2 * 2 * 2 + 2);
    expect(runs[0]).toEqual({
      frozenLayers: 0,
      learningRate: 0.01,
      seed: 1,
      initialization: 'PRETRAINED',
      status: 'QUEUED',
      external: false,
      epochs: 2,
      batchSize: 32,
      optimizer: 'ADAM',
    });
    expect(runs.filter((run: Loose) => run.initialization === 'SCRATCH')).toHaveLength(2);
  });

  it('CRUD on experiments, paginated and filtered', async () => {
    const { client } = await aUser(t.url);
    const team = await aTeam(client);
    const first = await anExperiment(client, team.id);
    const list = `query($projectId: ID!, $filter: ExperimentFilter) { experiments(projectId: $projectId, filter: $filter) { nodes { id status } pageInfo { hasNextPage } } }`;
    expect((await client.gql(list, { projectId: first.project.id })).experiments.nodes).toEqual([
      { id: first.experiment.id, status: 'ACTIVE' },
    ]);
    const archived = await client.gql(
      `mutation($input: UpdateExperimentInput!) { updateExperiment(input: $input) { name status } }`,
      { input: { id: first.experiment.id, name: 'renamed', status: 'ARCHIVED' } },
    );
    expect(archived.updateExperiment).toEqual({ name: 'renamed', status: 'ARCHIVED' });
    expect(
      (await client.gql(list, { projectId: first.project.id, filter: { status: 'ACTIVE' } }))
        .experiments.nodes,
    ).toEqual([]);
    await client.gql(`mutation($id: ID!) { deleteExperiment(id: $id) }`, {
      id: first.experiment.id,
    });
    expect(
      await client.code(`query($id: ID!) { experiment(id: $id) { id } }`, {
        id: first.experiment.id,
      }),
    ).toBe('NOT_FOUND');
    expect(
      await t.sql('SELECT 1 FROM runs WHERE experiment_id = $1', [first.experiment.id]),
    ).toHaveLength(0);
  });

  it('filters runs by status, frozenLayers, learning-rate range and initialization', async () => {
    const { client } = await aUser(t.url);
    const team = await aTeam(client);
    const { experiment } = await anExperiment(client, team.id, {
      frozenLayers: [0, 1, 2],
      learningRates: [0.1, 0.01, 0.001],
    });
    const query = `query($id: ID!, $filter: RunFilter) { experiment(id: $id) { runs(first: 100, filter: $filter) { nodes { frozenLayers learningRate initialization status } } } }`;
    const count = async (filter: Loose) =>
      (await client.gql(query, { id: experiment.id, filter })).experiment.runs.nodes.length;
    expect(await count({})).toBe(3 * 3 * 2 + 2);
    expect(await count({ frozenLayers: [1, 2] })).toBe(2 * 3 * 2 + 2 * 0);
    expect(
      await count({ learningRateMin: 0.005, learningRateMax: 0.5, initialization: 'PRETRAINED' }),
    ).toBe(3 * 2 * 2);
    expect(await count({ initialization: 'SCRATCH' })).toBe(2);
    expect(await count({ status: ['QUEUED'] })).toBe(20);
    expect(await count({ status: ['SUCCEEDED'] })).toBe(0);
  });

  it('sorts runs by any hyperparameter or summary metric, nulls last, across pages', async () => {
    const { client } = await aUser(t.url);
    const team = await aTeam(client);
    const { experiment } = await anExperiment(client, team.id, {
      frozenLayers: [0, 1, 2],
      learningRates: [0.01],
      seeds: [1],
    });
    const ids = (
      await client.gql(
        `query($id: ID!) { experiment(id: $id) { runs { nodes { id frozenLayers } } } }`,
        { id: experiment.id },
      )
    ).experiment.runs.nodes;
    // Give the three pretrained runs accuracies; the scratch run keeps null.
    const accuracy: Record<number, number> = { 0: 0.7, 1: 0.9, 2: 0.8 };
    for (const run of ids.filter((r: Loose) => r.frozenLayers in accuracy && r.id))
      await client.gql(`mutation($input: UpdateRunInput!) { updateRun(input: $input) { id } }`, {
        input: { id: run.id, status: 'SUCCEEDED', bestValAccuracy: accuracy[run.frozenLayers] },
      });
    await t.sql(`UPDATE runs SET best_val_accuracy = NULL WHERE initialization = 'scratch'`);
    const query = `query($id: ID!, $after: String, $orderBy: RunOrder) { experiment(id: $id) { runs(first: 1, after: $after, orderBy: $orderBy) { nodes { bestValAccuracy frozenLayers learningRate } pageInfo { hasNextPage endCursor } } } }`;
    const walk = (orderBy: Loose, field: string) =>
      collect(client, query, { id: experiment.id, orderBy }, (d) => d.experiment.runs, field);
    expect(
      await walk({ field: 'BEST_VAL_ACCURACY', direction: 'DESC' }, 'bestValAccuracy'),
    ).toEqual([0.9, 0.8, 0.7, null]);
    expect(await walk({ field: 'BEST_VAL_ACCURACY', direction: 'ASC' }, 'bestValAccuracy')).toEqual(
      [0.7, 0.8, 0.9, null],
    );
    expect(await walk({ field: 'LEARNING_RATE', direction: 'DESC' }, 'learningRate')).toEqual([
      0.1, 0.01, 0.01, 0.01,
    ]);
    expect(await walk({ field: 'FROZEN_LAYERS', direction: 'ASC' }, 'frozenLayers')).toEqual([
      0, 0, 1, 2,
    ]);
    const invalid = await client.request(query, {
      id: experiment.id,
      orderBy: { field: 'name; DROP TABLE runs' },
    });
    expect(invalid.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('external runs: create, update with a summary, read, delete', async () => {
    const { client } = await aUser(t.url);
    const team = await aTeam(client);
    const { experiment } = await anExperiment(client, team.id);
    const created = await client.gql(
      `mutation($input: CreateRunInput!) { createRun(input: $input) { id status external startedAt } }`,
      { input: { experimentId: experiment.id, frozenLayers: 1, learningRate: 0.003, seed: 7 } },
    );
    expect(created.createRun).toMatchObject({
      status: 'RUNNING',
      external: true,
      startedAt: expect.any(String),
    });
    const id = created.createRun.id;
    const updated = await client.gql(
      `mutation($input: UpdateRunInput!) { updateRun(input: $input) { status finishedAt bestValAccuracy lastValAccuracy bestValLoss lastValLoss bestEpoch wallSeconds samplesPerSecond backend } }`,
      {
        input: {
          id,
          status: 'SUCCEEDED',
          bestValAccuracy: 0.91,
          lastValAccuracy: 0.9,
          bestValLoss: 0.3,
          lastValLoss: 0.31,
          bestEpoch: 3,
          wallSeconds: 12.5,
          samplesPerSecond: 1500,
          backend: 'wasm',
        },
      },
    );
    expect(updated.updateRun).toMatchObject({
      status: 'SUCCEEDED',
      bestValAccuracy: 0.91,
      backend: 'wasm',
      finishedAt: expect.any(String),
    });
    expect(
      (await client.gql(`query($id: ID!) { run(id: $id) { id seed learningRate } }`, { id })).run,
    ).toEqual({ id, seed: 7, learningRate: 0.003 });
    await client.gql(`mutation($id: ID!) { deleteRun(id: $id) }`, { id });
    expect(await client.code(`query($id: ID!) { run(id: $id) { id } }`, { id })).toBe('NOT_FOUND');
  });
});

describe('artifacts', () => {
  it('are stored against a run or a model (entity only for now)', async () => {
    const { client } = await aUser(t.url);
    const team = await aTeam(client);
    const model = await aSourceModel(client, team.id);
    await t.sql(
      `INSERT INTO artifacts (team_id, model_id, kind, byte_size, sha256, storage_path) VALUES ($1, $2, 'weights', 10, $3, 'x/weights.bin')`,
      [team.id, model.id, 'c'.repeat(64)],
    );
    await expect(
      t.sql(
        `INSERT INTO artifacts (team_id, kind, byte_size, sha256, storage_path) VALUES ($1, 'weights', 10, $2, 'y')`,
        [team.id, 'c'.repeat(64)],
      ),
    ).rejects.toThrow(/check/);
  });
});
