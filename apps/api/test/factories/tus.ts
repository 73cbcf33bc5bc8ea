import type { ApiClient } from './client.js';

/** The raw tus 1.0 requests a client makes, so tests can stop between them. */
export function tusClient(baseUrl: string, client: ApiClient) {
  const auth = (): Record<string, string> => ({
    'tus-resumable': '1.0.0',
    ...(client.cookie ? { cookie: client.cookie } : {}),
    ...(client.token ? { authorization: `Bearer ${client.token}` } : {}),
  });
  const metadata = (pairs: Record<string, string>) =>
    Object.entries(pairs)
      .map(([key, value]) => `${key} ${Buffer.from(value).toString('base64')}`)
      .join(',');
  const read = async (response: Response) => {
    const text = await response.text();
    return Object.assign(response, {
      body_text: text,
      code: (() => {
        try {
          return (JSON.parse(text) as { errors?: { extensions?: { code?: string } }[] }).errors?.[0]
            ?.extensions?.code;
        } catch {
          return undefined;
        }
      })(),
    });
  };
  return {
    /** POST: answers the upload id (the last part of Location) or the failed response. */
    async create(length: number, pairs: Record<string, string>) {
      const response = await read(
        await fetch(`${baseUrl}/uploads`, {
          method: 'POST',
          headers: {
            ...auth(),
            'upload-length': String(length),
            'upload-metadata': metadata(pairs),
          },
        }),
      );
      const location = response.headers.get('location');
      return { response, id: location ? location.split('/').pop()! : null };
    },
    async patch(id: string, offset: number, bytes: Buffer) {
      return read(
        await fetch(`${baseUrl}/uploads/${id}`, {
          method: 'PATCH',
          headers: {
            ...auth(),
            'upload-offset': String(offset),
            'content-type': 'application/offset+octet-stream',
          },
          body: bytes,
        }),
      );
    },
    async head(id: string) {
      return read(await fetch(`${baseUrl}/uploads/${id}`, { method: 'HEAD', headers: auth() }));
    },
    /** Creates and sends the whole file in one PATCH; answers the upload id. */
    async upload(bytes: Buffer, pairs: Record<string, string>): Promise<string> {
      const { response, id } = await this.create(bytes.length, pairs);
      if (!id) throw new Error(`tus create failed: ${response.status} ${response.body_text}`);
      const patched = await this.patch(id, 0, bytes);
      if (patched.status !== 204)
        throw new Error(`tus patch failed: ${patched.status} ${patched.body_text}`);
      return id;
    },
  };
}
