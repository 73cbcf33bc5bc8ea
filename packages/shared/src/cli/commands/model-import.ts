import { openAsBlob } from 'node:fs';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { PREPROCESSINGS } from '../../preprocessing.js';
import {
  checkLayersManifest,
  describeLayersTopology,
  FOREIGN_SNIFF_BYTES,
  foreignModelProblem,
  MAX_IMPORT_MODEL_JSON_BYTES,
  ModelImportError,
  requireLayersModelJson,
} from '../../model-import/index.js';
import type { Command } from '../command.js';
import { connect } from '../connect.js';
import { CliError, ExitCode, usageError } from '../exit-codes.js';

async function head(file: string): Promise<Uint8Array> {
  const handle = await open(file, 'r');
  try {
    const buffer = new Uint8Array(FOREIGN_SNIFF_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/**
 * The files of a model folder to upload (model.json first, then the shards in manifest order),
 * after the same checks the API makes: a refusal here costs no upload.
 */
export async function checkModelFolder(directory: string) {
  const names = (await readdir(directory, { withFileTypes: true }))
    .filter((entry) => entry.isFile())
    .map((entry) => entry.name);
  const sizes = new Map<string, number>();
  for (const name of names) {
    const file = path.join(directory, name);
    const problem = foreignModelProblem(name, await head(file));
    if (problem) throw usageError(problem);
    sizes.set(name, (await stat(file)).size);
  }
  if (!sizes.has('model.json')) throw usageError(`${directory} holds no model.json`);
  if (sizes.get('model.json')! > MAX_IMPORT_MODEL_JSON_BYTES)
    throw usageError(`model.json is over ${MAX_IMPORT_MODEL_JSON_BYTES} bytes`);
  try {
    const json = requireLayersModelJson(
      JSON.parse(await readFile(path.join(directory, 'model.json'), 'utf8')),
    );
    const manifest = checkLayersManifest(json, sizes);
    const description = describeLayersTopology(json, manifest.weights);
    return { files: ['model.json', ...manifest.shardOrder], description };
  } catch (error) {
    if (error instanceof ModelImportError || error instanceof SyntaxError)
      throw usageError(`cannot import ${directory}: ${error.message}`);
    throw error;
  }
}

export const modelImport: Command = {
  name: 'model import',
  summary: 'import a TensorFlow.js Layers model folder (model.json + shards) as a source model',
  help: `Usage: finetrack model import DIR --team ID --name NAME [--preprocessing MODE] [--json]

DIR is what tensorflowjs_converter --output_format=tfjs_layers_model writes. The folder is
checked here first (manifest against shard sizes, parameter limit, layer classes).
  --team ID              the team that will own the model
  --name NAME            the model's name
  --preprocessing MODE   ${PREPROCESSINGS.join(', ')} (default: from the model's names)
  --json                 print the model as one JSON object (last line)`,
  options: {
    team: { type: 'string' },
    name: { type: 'string' },
    preprocessing: { type: 'string' },
    json: { type: 'boolean' },
  },
  positionals: [1, 1],
  async run(values, [directory], io) {
    const team = values.team as string | undefined;
    const name = values.name as string | undefined;
    const preprocessing = values.preprocessing as string | undefined;
    if (!team || !name) throw usageError('give --team ID and --name NAME');
    if (preprocessing && !(PREPROCESSINGS as readonly string[]).includes(preprocessing))
      throw usageError(`--preprocessing must be one of ${PREPROCESSINGS.join(', ')}`);
    const info = await stat(directory).catch(() => null);
    if (!info?.isDirectory()) throw new CliError(`${directory} is not a folder`, ExitCode.NotFound);
    const { files, description } = await checkModelFolder(directory);
    const form = new FormData();
    for (const file of files)
      form.append('files', await openAsBlob(path.join(directory, file)), file);
    const query = new URLSearchParams({ teamId: team, name });
    if (preprocessing) query.set('preprocessing', preprocessing);
    const client = await connect(io);
    const model = await client.api.postForm<{ id: string; preprocessing: string }>(
      `/models/import?${query}`,
      form,
    );
    if (values.json)
      io.stdout(`${JSON.stringify({ ...model, layers: description.layers.length })}\n`);
    else
      io.stdout(
        `imported ${model.id}: ${description.layers.length} layers, ${description.totalParams} parameters, input ${description.inputShape.join('×')}, preprocessing ${model.preprocessing}\n`,
      );
  },
};
