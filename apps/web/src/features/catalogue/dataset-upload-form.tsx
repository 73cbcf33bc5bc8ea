'use client';

import { useState, type FormEvent } from 'react';
import { DEFAULT_DATASET_VALIDATION_FRACTION } from '@finetrack/shared';
import { NameField } from '../ui/name-field';
import { FormError } from '../ui/states';
import {
  ARCHIVE_ACCEPT,
  folderEntries,
  isArchiveName,
  packFolder,
  uploadArchive,
  type UploadArchiveOptions,
} from './dataset-upload';

/** What `createDatasetFromUpload` takes once the bytes are on the server. */
export interface UploadedDatasetInput {
  teamId: string;
  name: string;
  uploadId: string;
  validationFraction: number;
}

type Phase = 'idle' | 'packing' | 'uploading' | 'indexing';
const PHASE_LABEL: Record<Phase, string> = {
  idle: '',
  packing: 'Packing the folder',
  uploading: 'Uploading',
  indexing: 'Indexing the images',
};

/** A dataset's name from its file or folder: `pets.tar.gz` → `pets`. */
export function nameFromFile(fileName: string): string {
  return fileName.replace(/\.(zip|tar|tar\.gz|tgz)$/i, '');
}

/**
 * Upload an image dataset: an archive, or a folder packed into a zip here. The bytes go through
 * the resumable tus endpoint; `onCreate` then turns the upload into a dataset and answers with
 * the server's error message, if any.
 */
export function DatasetUploadForm({
  teamId,
  onCreate,
  upload = uploadArchive,
  endpoint,
}: {
  teamId: string;
  onCreate(input: UploadedDatasetInput): Promise<string | undefined>;
  /** The uploader (tus-js-client); tests hand in one that talks to a local server. */
  upload?: (file: File, options: UploadArchiveOptions) => Promise<string>;
  /** Defaults to this origin's `/uploads`. */
  endpoint?: string;
}) {
  const [source, setSource] = useState<'archive' | 'folder'>('archive');
  const [name, setName] = useState('');
  const [archive, setArchive] = useState<File | null>(null);
  const [folder, setFolder] = useState<File[]>([]);
  const [fractionText, setFractionText] = useState(String(DEFAULT_DATASET_VALIDATION_FRACTION));
  const [phase, setPhase] = useState<Phase>('idle');
  const [progress, setProgress] = useState({ done: 0, total: 0 });
  const [error, setError] = useState<string | undefined>();
  const fraction = fractionText.trim() === '' ? Number.NaN : Number(fractionText);
  const entries = source === 'folder' ? folderEntries(folder) : [];
  const problems = [
    !name.trim() && 'give the dataset a name',
    source === 'archive' && !archive && 'choose an archive',
    source === 'archive' &&
      archive &&
      !isArchiveName(archive.name) &&
      `${archive.name} is not a .zip, .tar, .tar.gz or .tgz archive`,
    source === 'folder' && entries.length === 0 && 'choose a folder of class folders',
    !(fraction >= 0 && fraction < 1) &&
      'the validation fraction must be from 0 up to (not including) 1',
  ].filter((problem): problem is string => typeof problem === 'string');
  const busy = phase !== 'idle';

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (problems.length > 0 || busy) return;
    setError(undefined);
    try {
      let file = archive;
      if (source === 'folder') {
        setPhase('packing');
        const packed = await packFolder(entries, (done, total) => setProgress({ done, total }));
        file = new File([packed], `${name.trim()}.zip`, { type: 'application/zip' });
      }
      setPhase('uploading');
      setProgress({ done: 0, total: file!.size });
      const uploadId = await upload(file!, {
        endpoint: endpoint ?? `${window.location.origin}/uploads`,
        teamId,
        filename: file!.name,
        onProgress: (done, total) => setProgress({ done, total }),
      });
      setPhase('indexing');
      const refused = await onCreate({
        teamId,
        name: name.trim(),
        uploadId,
        validationFraction: fraction,
      });
      if (refused) setError(refused);
      else {
        setName('');
        setArchive(null);
        setFolder([]);
        (event.target as HTMLFormElement).reset();
      }
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : String(caught));
    } finally {
      setPhase('idle');
    }
  }

  const percent = progress.total > 0 ? Math.round((100 * progress.done) / progress.total) : 0;
  return (
    <form
      className="form"
      onSubmit={submit}
      aria-label="Upload a dataset"
      data-testid="dataset-upload"
    >
      <NameField label="Name" name="name" value={name} onChange={setName} />
      <fieldset>
        <legend>Images</legend>
        <label className="checkbox">
          <input
            type="radio"
            name="source"
            checked={source === 'archive'}
            onChange={() => setSource('archive')}
          />{' '}
          An archive (.zip, .tar, .tar.gz) of class folders
        </label>
        <label className="checkbox">
          <input
            type="radio"
            name="source"
            checked={source === 'folder'}
            onChange={() => setSource('folder')}
          />{' '}
          A folder of class folders (packed into a zip here)
        </label>
      </fieldset>
      {source === 'archive' ? (
        <label>
          Archive
          <input
            type="file"
            name="archive"
            accept={ARCHIVE_ACCEPT}
            onChange={(e) => {
              const picked = e.target.files?.[0] ?? null;
              setArchive(picked);
              if (picked && !name.trim()) setName(nameFromFile(picked.name));
            }}
          />
        </label>
      ) : (
        <label>
          Folder
          <input
            type="file"
            name="folder"
            multiple
            {...{ webkitdirectory: '', directory: '' }}
            onChange={(e) => {
              const picked = Array.from(e.target.files ?? []);
              setFolder(picked);
              const top = (
                picked[0] as File & { webkitRelativePath?: string }
              )?.webkitRelativePath?.split('/')[0];
              if (top && !name.trim()) setName(top);
            }}
          />
        </label>
      )}
      {source === 'folder' && entries.length > 0 ? (
        <p className="muted">{entries.length.toLocaleString('en')} files</p>
      ) : null}
      <label>
        Validation fraction (held out of training, per class)
        <input
          name="validationFraction"
          inputMode="decimal"
          value={fractionText}
          onChange={(e) => setFractionText(e.target.value)}
        />
      </label>
      {busy ? (
        <p aria-live="polite">
          {PHASE_LABEL[phase]}
          {phase === 'indexing' ? '…' : ` ${percent} %`}
          <br />
          <progress
            data-testid="upload-progress"
            max={100}
            value={phase === 'indexing' ? undefined : percent}
            aria-label={PHASE_LABEL[phase]}
          />
        </p>
      ) : null}
      {problems.length > 0 && (name || archive || folder.length > 0) ? (
        <ul className="form-error">
          {problems.map((problem) => (
            <li key={problem}>{problem}</li>
          ))}
        </ul>
      ) : null}
      <FormError error={error} />
      <button type="submit" disabled={busy || problems.length > 0}>
        Upload
      </button>
    </form>
  );
}
