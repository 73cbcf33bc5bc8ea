import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from '../command.js';
import { connect } from '../connect.js';
import { usageError } from '../exit-codes.js';

const MODEL_FILES = `query ModelFiles($id: ID!) {
  model(id: $id) { id name artifacts { id fileName byteSize sha256 } finetrackJson }
}`;

interface ModelFiles {
  model: {
    id: string;
    name: string;
    artifacts: { id: string; fileName: string; byteSize: number; sha256: string }[];
    finetrackJson: { files: { fileName: string }[] } & Record<string, unknown>;
  };
}

export const modelDownload: Command = {
  name: 'model download',
  summary: 'download a model as a folder tf.loadLayersModel reads, with finetrack.json',
  help: `Usage: finetrack model download MODEL_ID --out DIR [--json]

Writes model.json, its weight files (each checked against the size and sha256 the API
records) and finetrack.json into DIR.
  --out DIR   the folder to write (created if missing)
  --json      print the written files as one JSON object (last line)`,
  options: { out: { type: 'string' }, json: { type: 'boolean' } },
  positionals: [1, 1],
  async run(values, [id], io) {
    const out = values.out as string | undefined;
    if (!out) throw usageError('give --out DIR');
    const client = await connect(io);
    const { model } = await client.api.request<ModelFiles, { id: string }>(MODEL_FILES, { id });
    // The folder's files as the API lists them for finetrack.json: model.json and the weights.
    const wanted = new Set(model.finetrackJson.files.map((file) => file.fileName));
    const files = model.artifacts.filter((artifact) => wanted.has(artifact.fileName));
    await mkdir(out, { recursive: true });
    for (const file of files) {
      if (file.fileName !== path.basename(file.fileName))
        throw usageError(`the model lists an unusable file name ${file.fileName}`);
      await client.api.downloadArtifact(file.id, path.join(out, file.fileName), file);
    }
    await writeFile(path.join(out, 'finetrack.json'), JSON.stringify(model.finetrackJson, null, 2));
    const written = [...files.map((file) => file.fileName), 'finetrack.json'];
    if (values.json) io.stdout(`${JSON.stringify({ id: model.id, out, files: written })}\n`);
    else io.stdout(`downloaded ${model.name} (${model.id}) to ${out}: ${written.join(', ')}\n`);
  },
};
