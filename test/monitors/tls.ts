/**
 * Test helper: a throwaway CA with a server certificate for 127.0.0.1 and a client certificate (made
 * with the openssl command), and a mutual-TLS proxy in front of a unix socket, which is how a Docker
 * daemon is exposed on https://HOST:2376 with client certificates.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { createServer, type Server } from 'node:tls';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Paths of the PEM files made by makeCertificates(). */
export interface CertFiles {
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

/** Make a CA, a server certificate for IP 127.0.0.1 and a client certificate, in `dir`. */
export async function makeCertificates(dir: string): Promise<CertFiles> {
  const f = (name: string) => join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await run('openssl', ['req', '-x509', ...ec, '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '1', '-subj', '/CN=lbmon test CA']);
  await writeFile(f('server.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  await writeFile(f('client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const who of ['server', 'client']) {
    await run('openssl', ['req', '-new', ...ec, '-keyout', f(`${who}.key`), '-out', f(`${who}.csr`), '-subj', `/CN=lbmon ${who}`]);
    await run('openssl', [
      'x509', '-req', '-in', f(`${who}.csr`), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial',
      '-out', f(`${who}.pem`), '-days', '1', '-extfile', f(`${who}.ext`),
    ]);
  }
  return { ca: f('ca.pem'), serverCert: f('server.pem'), serverKey: f('server.key'), clientCert: f('client.pem'), clientKey: f('client.key') };
}

/** A TLS server on 127.0.0.1 that demands a client certificate from the CA and forwards to `socketPath`. */
export async function mutualTlsProxy(certs: CertFiles, socketPath: string): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer(
    {
      ca: await readFile(certs.ca),
      cert: await readFile(certs.serverCert),
      key: await readFile(certs.serverKey),
      requestCert: true,
      rejectUnauthorized: true,
    },
    (client) => {
      const upstream = connect(socketPath);
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    },
  );
  server.on('tlsClientError', () => undefined); // a client without a certificate is expected in tests
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    port,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
      }),
  };
}
