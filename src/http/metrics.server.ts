import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { metricsRoute, type MetricsSource } from './metrics.route.js';

export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

/** `/metrics` on its own address, apart from the API's public port; nothing else is served there. */
export async function startMetricsServer(source: MetricsSource, address: { port: number; host: string }): Promise<MetricsServer> {
  const app = express();
  app.disable('x-powered-by');
  app.use(metricsRoute(source));
  app.use((_req, res) => {
    res.status(404).json({ error: 'Not found' });
  });
  const server: Server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  const host = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  return {
    url: `http://${host}:${bound.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        // A scrape is short: no grace period, idle keep-alive sockets are simply closed.
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
