import { request } from 'node:http';

export interface SlowRequest {
  /** Sends the rest of the body. */
  finish: () => void;
  response: Promise<{ status: number; body: string }>;
}

/**
 * A GraphQL POST whose body arrives in two parts, so the request is in flight until `finish` is
 * called. Each one opens its own connection, so that a cluster may hand them to different workers.
 */
export function slowRequest(url: string): SlowRequest {
  const body = JSON.stringify({ query: '{ property(id: "019abcde-0000-7000-8000-000000000000") { id } }' });
  let req!: ReturnType<typeof request>;
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req = request(
      `${url}/graphql`,
      { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.write(body.slice(0, 10));
  });
  return { finish: () => req.end(body.slice(10)), response };
}
