import type { Readable } from 'node:stream';

/**
 * A stream's bytes up to `limit`, or undefined as soon as it goes past it (the rest is left to
 * flow away unread; a caller that wants the connection gone destroys the stream). Every body a
 * server or client of ours reads from the network goes through here, so none is unbounded.
 */
export function readLimited(stream: Readable, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    stream.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > limit) {
        over = true;
        chunks.length = 0;
        resolve(undefined);
      } else chunks.push(chunk);
    });
    stream.on('end', () => {
      if (!over) resolve(Buffer.concat(chunks));
    });
    stream.on('error', (err) => {
      if (!over) reject(err);
    });
  });
}
