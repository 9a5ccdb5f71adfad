/** Free TCP ports for tests that must name a port up front (a server that cannot take port 0). */
import { createServer } from 'node:net';

/** A port the OS just handed out on 127.0.0.1, closed again so the caller can bind it. */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', resolve);
  });
  const { port } = srv.address() as { port: number };
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}
