import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PageServer {
  port: number;
  close(): Promise<void>;
}

/** A tiny web server on 127.0.0.1 that answers every GET with one HTML page: a frontend on another origin. */
export async function servePage(html: string): Promise<PageServer> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
