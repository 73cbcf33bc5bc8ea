'use client';

import {
  checkLayersManifest,
  describeLayersTopology,
  FOREIGN_SNIFF_BYTES,
  foreignModelProblem,
  PREPROCESSINGS,
  requireLayersModelJson,
} from '@finetrack/shared';
import { useState, type FormEvent } from 'react';

export interface ImportRequest {
  teamId: string;
  name: string;
  preprocessing: string;
  files: File[];
}

/** POSTs the files to the API's import route (proxied by this app); the error text on failure. */
export async function uploadModel(request: ImportRequest): Promise<{ id: string }> {
  const form = new FormData();
  for (const file of request.files) form.append('files', file, file.name);
  const query = new URLSearchParams({ teamId: request.teamId, name: request.name });
  if (request.preprocessing) query.set('preprocessing', request.preprocessing);
  const response = await fetch(`/models/import?${query}`, { method: 'POST', body: form });
  const body = (await response.json().catch(() => ({}))) as {
    id?: string;
    errors?: { message: string; extensions?: { code?: string } }[];
  };
  if (!response.ok || !body.id) {
    const error = body.errors?.[0];
    throw new Error(
      error
        ? `${error.message} (${error.extensions?.code ?? response.status})`
        : `HTTP ${response.status}`,
    );
  }
  return { id: body.id };
}

/** The same checks the API makes, in the browser: a refusal here costs no upload. */
export async function precheckModelFiles(files: File[]): Promise<string | null> {
  for (const file of files) {
    const head = new Uint8Array(await file.slice(0, FOREIGN_SNIFF_BYTES).arrayBuffer());
    const problem = foreignModelProblem(file.name, head);
    if (problem) return problem;
  }
  const modelJson = files.find((file) => file.name === 'model.json');
  if (!modelJson) return 'pick model.json together with its weight shards (the .bin files)';
  try {
    const json = requireLayersModelJson(JSON.parse(await modelJson.text()));
    const manifest = checkLayersManifest(json, new Map(files.map((f) => [f.name, f.size])));
    describeLayersTopology(json, manifest.weights);
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * The Models page's import form: a name, the preprocessing (or the default from the model's
 * names), and model.json with its shards picked together.
 */
export function ModelImportForm({
  teamId,
  onImported,
  upload = uploadModel,
}: {
  teamId: string;
  onImported: (id: string) => void;
  upload?: (request: ImportRequest) => Promise<{ id: string }>;
}) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const [files, setFiles] = useState<File[]>([]);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const name = String(data.get('name') ?? '').trim();
    setError(null);
    setDone(null);
    if (!name) return setError('Give the model a name.');
    const problem = await precheckModelFiles(files);
    if (problem) return setError(problem);
    setBusy(true);
    try {
      const { id } = await upload({
        teamId,
        name,
        preprocessing: String(data.get('preprocessing') ?? ''),
        files: files.filter((file) => file.name !== 'finetrack.json'),
      });
      setDone(`Imported ${name}.`);
      form.reset();
      setFiles([]);
      onImported(id);
    } catch (failure) {
      setError((failure as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form
      data-testid="model-import"
      onSubmit={submit}
      className="stack"
      aria-label="Import a model"
    >
      <h2>Import a TensorFlow.js Layers model</h2>
      <p className="muted">
        Pick <code>model.json</code> and its weight shards, as{' '}
        <code>tensorflowjs_converter --output_format=tfjs_layers_model</code> writes them.
      </p>
      <label>
        Name <input name="name" required maxLength={200} />
      </label>
      <label>
        Preprocessing{' '}
        <select name="preprocessing" defaultValue="">
          <option value="">from the model’s names</option>
          {PREPROCESSINGS.map((mode) => (
            <option key={mode} value={mode}>
              {mode}
            </option>
          ))}
        </select>
      </label>
      <label>
        Files{' '}
        <input
          name="files"
          type="file"
          multiple
          accept=".json,.bin,application/json"
          onChange={(event) => setFiles([...(event.currentTarget.files ?? [])])}
        />
      </label>
      <button type="submit" disabled={busy}>
        {busy ? 'Importing…' : 'Import'}
      </button>
      {error ? (
        <p role="alert" className="error">
          {error}
        </p>
      ) : null}
      {done ? <p role="status">{done}</p> : null}
    </form>
  );
}
