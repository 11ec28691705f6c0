import { connect } from 'node:net';

/**
 * Writes `data` to a fresh TCP connection and destroys it without waiting for an answer:
 * a client that goes away mid-request.
 */
export async function sendAndAbort(url: string, data: string | Buffer): Promise<void> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  await new Promise<void>((resolve) => socket.write(data, () => resolve()));
  await new Promise<void>((resolve) => {
    socket.once('close', () => resolve());
    socket.destroy();
  });
}

/** Sends raw bytes and returns whatever the server answers until it closes the connection. */
export async function rawExchange(url: string, data: string | Buffer): Promise<string> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.once('close', () => resolve());
    socket.write(data);
  });
  return Buffer.concat(chunks).toString('latin1');
}
