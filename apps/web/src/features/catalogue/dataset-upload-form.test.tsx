import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { unzipSync } from 'fflate';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { UploadArchiveOptions } from './dataset-upload';
import { DatasetUploadForm, nameFromFile } from './dataset-upload-form';

afterEach(cleanup);

const bytes = (text: string) => new TextEncoder().encode(text);

/** A picked folder's file, named as the browser names it (relative to the folder's parent). */
function folderFile(relativePath: string, content: string): File {
  const file = new File([bytes(content)], relativePath.split('/').at(-1)!);
  Object.defineProperty(file, 'webkitRelativePath', { value: relativePath });
  return file;
}

/** An uploader that keeps what it was given and reports progress in two steps. */
function recordingUploader(answer: Promise<string> | string = 'upload-123') {
  const sent: { file: File; options: UploadArchiveOptions }[] = [];
  const upload = vi.fn(async (file: File, options: UploadArchiveOptions) => {
    sent.push({ file, options });
    options.onProgress?.(file.size / 2, file.size);
    options.onProgress?.(file.size, file.size);
    return answer;
  });
  return { upload, sent };
}

function renderForm(
  upload: ReturnType<typeof recordingUploader>['upload'],
  onCreate = vi.fn(async () => undefined as string | undefined),
) {
  render(
    <DatasetUploadForm
      teamId="t1"
      onCreate={onCreate}
      upload={upload}
      endpoint="http://web/uploads"
    />,
  );
  return onCreate;
}
const form = () => screen.getByTestId('dataset-upload');
const field = (name: string) => form().querySelector(`[name="${name}"]`) as HTMLInputElement;
const submit = () => screen.getByRole('button', { name: 'Upload' }) as HTMLButtonElement;

describe('DatasetUploadForm', () => {
  it('has the contract’s name field, archive input and submit button', () => {
    renderForm(recordingUploader().upload);
    expect(field('name')).toBeTruthy();
    const input = form().querySelector('input[type="file"]') as HTMLInputElement;
    expect(input.accept).toBe('.zip,.tar,.tar.gz,.tgz');
    expect(submit()).toBeTruthy();
  });

  it('uploads an archive with tus metadata and creates the dataset from the upload', async () => {
    const { upload, sent } = recordingUploader();
    const onCreate = renderForm(upload);
    const archive = new File([bytes('zip bytes')], 'chairs.tar.gz');
    fireEvent.change(field('archive'), { target: { files: [archive] } });
    expect(field('name').value).toBe('chairs');
    fireEvent.change(field('validationFraction'), { target: { value: '0.25' } });
    fireEvent.click(submit());
    await waitFor(() => expect(onCreate).toHaveBeenCalled());
    expect(sent[0].file).toBe(archive);
    expect(sent[0].options).toMatchObject({
      endpoint: 'http://web/uploads',
      teamId: 't1',
      filename: 'chairs.tar.gz',
    });
    expect(onCreate).toHaveBeenCalledWith({
      teamId: 't1',
      name: 'chairs',
      uploadId: 'upload-123',
      validationFraction: 0.25,
    });
    // Ready for the next one.
    await waitFor(() => expect(field('name').value).toBe(''));
  });

  it('packs a picked folder into a zip of class folders, leaving out hidden files', async () => {
    const { upload, sent } = recordingUploader();
    const onCreate = renderForm(upload);
    fireEvent.click(screen.getByRole('radio', { name: /A folder/ }));
    expect(field('folder').getAttribute('webkitdirectory')).not.toBeNull();
    fireEvent.change(field('folder'), {
      target: {
        files: [
          folderFile('pets/cat/1.png', 'cat one'),
          folderFile('pets/dog/1.png', 'dog one'),
          folderFile('pets/.DS_Store', 'junk'),
          folderFile('pets/cat/2.png', 'cat two'),
        ],
      },
    });
    expect(field('name').value).toBe('pets');
    expect(screen.getByText('3 files')).toBeTruthy();
    fireEvent.click(submit());
    await waitFor(() => expect(onCreate).toHaveBeenCalled());
    const zip = unzipSync(new Uint8Array(await sent[0].file.arrayBuffer()));
    expect(Object.keys(zip).sort()).toEqual(['cat/1.png', 'cat/2.png', 'dog/1.png']);
    expect(new TextDecoder().decode(zip['cat/2.png'])).toBe('cat two');
    expect(sent[0].options.filename).toBe('pets.zip');
  });

  it('shows the upload’s progress while the bytes go', async () => {
    let finish = (_id: string) => undefined as void;
    const upload = vi.fn(
      (_file: File, options: UploadArchiveOptions) =>
        new Promise<string>((resolve) => {
          options.onProgress?.(300, 1000);
          finish = resolve;
        }),
    );
    const onCreate = renderForm(upload);
    fireEvent.change(field('archive'), { target: { files: [new File([bytes('x')], 'a.zip')] } });
    fireEvent.click(submit());
    const bar = await screen.findByTestId('upload-progress');
    expect(bar.getAttribute('value')).toBe('30');
    expect(screen.getByText(/Uploading 30 %/)).toBeTruthy();
    expect(submit().disabled).toBe(true);
    act(() => finish('u-1'));
    await waitFor(() => expect(onCreate).toHaveBeenCalled());
    await waitFor(() => expect(screen.queryByTestId('upload-progress')).toBeNull());
  });

  it('shows the server’s refusal and keeps the form filled', async () => {
    const onCreate = renderForm(
      recordingUploader().upload,
      vi.fn(async () => 'the archive has only one class (cat); a dataset needs two or more'),
    );
    fireEvent.change(field('archive'), { target: { files: [new File([bytes('x')], 'cats.zip')] } });
    fireEvent.click(submit());
    expect((await screen.findByRole('alert')).textContent).toBe(
      'the archive has only one class (cat); a dataset needs two or more',
    );
    expect(onCreate).toHaveBeenCalledTimes(1);
    expect(field('name').value).toBe('cats');
  });

  it('shows why an upload failed', async () => {
    const failing = vi.fn(async () => {
      throw new Error('the archive is 5000000000 bytes; at most 4294967296 are allowed');
    });
    const onCreate = renderForm(failing);
    fireEvent.change(field('archive'), { target: { files: [new File([bytes('x')], 'big.zip')] } });
    fireEvent.click(submit());
    expect((await screen.findByRole('alert')).textContent).toContain('at most 4294967296');
    expect(onCreate).not.toHaveBeenCalled();
  });

  it.each([
    [
      'a file that is no archive',
      () =>
        fireEvent.change(field('archive'), { target: { files: [new File(['x'], 'notes.txt')] } }),
      'notes.txt is not a .zip',
    ],
    [
      'a validation fraction of 1',
      () => fireEvent.change(field('validationFraction'), { target: { value: '1' } }),
      'the validation fraction',
    ],
    [
      'a negative validation fraction',
      () => fireEvent.change(field('validationFraction'), { target: { value: '-0.1' } }),
      'the validation fraction',
    ],
    [
      'no name',
      () => fireEvent.change(field('name'), { target: { value: ' ' } }),
      'give the dataset a name',
    ],
  ])('refuses %s before uploading', (_name, act, message) => {
    const { upload } = recordingUploader();
    renderForm(upload);
    fireEvent.change(field('archive'), { target: { files: [new File(['x'], 'ok.zip')] } });
    act();
    expect(screen.getByText(new RegExp(message))).toBeTruthy();
    expect(submit().disabled).toBe(true);
    fireEvent.submit(form());
    expect(upload).not.toHaveBeenCalled();
  });

  it('names a dataset after its archive', () => {
    expect(nameFromFile('chairs.tar.gz')).toBe('chairs');
    expect(nameFromFile('a.b.TGZ')).toBe('a.b');
    expect(nameFromFile('pets.zip')).toBe('pets');
  });
});
