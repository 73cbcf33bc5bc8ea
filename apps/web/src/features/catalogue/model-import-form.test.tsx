import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ModelImportForm, type ImportRequest } from './model-import-form';

afterEach(cleanup);

// A two-layer Sequential model as tfjs writes it: dense 4→3 (15 parameters) → dense 3→2 (8).
function modelFolder(shardBytes = 92): File[] {
  const modelJson = {
    format: 'layers-model',
    modelTopology: {
      class_name: 'Sequential',
      config: {
        name: 'tiny',
        layers: [
          {
            class_name: 'Dense',
            config: { name: 'hidden', units: 3, batch_input_shape: [null, 4] },
          },
          { class_name: 'Dense', config: { name: 'out', units: 2 } },
        ],
      },
    },
    weightsManifest: [
      {
        paths: ['group1-shard1of1.bin'],
        weights: [
          { name: 'hidden/kernel', shape: [4, 3], dtype: 'float32' },
          { name: 'hidden/bias', shape: [3], dtype: 'float32' },
          { name: 'out/kernel', shape: [3, 2], dtype: 'float32' },
          { name: 'out/bias', shape: [2], dtype: 'float32' },
        ],
      },
    ],
  };
  return [
    new File([JSON.stringify(modelJson)], 'model.json', { type: 'application/json' }),
    new File([new Uint8Array(shardBytes)], 'group1-shard1of1.bin'),
  ];
}

function renderForm() {
  const upload = vi.fn(async (_request: ImportRequest) => ({ id: 'model-9' }));
  const onImported = vi.fn();
  render(<ModelImportForm teamId="team-1" onImported={onImported} upload={upload} />);
  const form = screen.getByTestId('model-import');
  const pick = (files: File[]) =>
    fireEvent.change(form.querySelector('input[type="file"]')!, { target: { files } });
  const name = (value: string) =>
    fireEvent.change(form.querySelector('input[name="name"]')!, { target: { value } });
  const submit = () => fireEvent.submit(form);
  return { upload, onImported, pick, name, submit };
}

describe('ModelImportForm', () => {
  it('uploads model.json with its shards and reports the new model', async () => {
    const { upload, onImported, pick, name, submit } = renderForm();
    name('tiny dense');
    fireEvent.change(screen.getByRole('combobox'), { target: { value: 'symmetric' } });
    pick(modelFolder());
    submit();
    await waitFor(() => expect(onImported).toHaveBeenCalledWith('model-9'));
    const request = upload.mock.calls[0]![0];
    expect(request).toMatchObject({
      teamId: 'team-1',
      name: 'tiny dense',
      preprocessing: 'symmetric',
    });
    expect(request.files.map((file) => file.name)).toEqual(['model.json', 'group1-shard1of1.bin']);
    expect(screen.getByRole('status').textContent).toContain('Imported tiny dense');
  });

  it.each([
    [
      'a shard of the wrong size',
      () => modelFolder(91),
      /hold 91 bytes but the manifest's shapes need 92/,
    ],
    ['no model.json', () => modelFolder().slice(1), /pick model.json/],
    [
      'a Keras .h5 file',
      () => [new File([new Uint8Array([0x89, 0x48, 0x44, 0x46, 13, 10, 26, 10])], 'vgg16.h5')],
      /tensorflowjs_converter/,
    ],
  ])('shows %s clearly and uploads nothing', async (_label, files, message) => {
    const { upload, pick, name, submit } = renderForm();
    name('bad');
    pick(files());
    submit();
    await waitFor(() => expect(screen.getByRole('alert').textContent).toMatch(message));
    expect(upload).not.toHaveBeenCalled();
  });

  it('shows the API’s refusal with its code', async () => {
    const upload = vi.fn(async () => {
      throw new Error('uploading needs the member role (FORBIDDEN)');
    });
    render(<ModelImportForm teamId="team-1" onImported={vi.fn()} upload={upload} />);
    const form = screen.getByTestId('model-import');
    fireEvent.change(form.querySelector('input[name="name"]')!, { target: { value: 'x' } });
    fireEvent.change(form.querySelector('input[type="file"]')!, {
      target: { files: modelFolder() },
    });
    fireEvent.submit(form);
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('FORBIDDEN'));
  });
});
