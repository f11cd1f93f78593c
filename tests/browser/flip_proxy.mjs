// A hostile network between the reader and the archive: an HTTP proxy on loopback that
// passes every request through to the archive unchanged, except that it flips one bit of
// one byte in the body of each document content response (/api/v1/documents/<id>/content)
// and keeps every header, so size, type and ETag still claim the original bytes. The web
// view must then refuse the document, naming the digest.
//
//   const proxy = await startFlipProxy({ targetPort: 8080 });
//   ... http://127.0.0.1:${proxy.port}/doc/<id> ...
//   proxy.flipped   // how many content responses were damaged
//   await proxy.close();
//
// Run alone: node tests/browser/flip_proxy.mjs TARGET_PORT [LISTEN_PORT]

import http from 'node:http';
import { fileURLToPath } from 'node:url';

const CONTENT_PATH = /^\/api\/v1\/documents\/.+\/content$/;

// The byte flipped: the middle one, so that neither a BOM nor the first line is what
// changes, and a text document stays mostly readable.
export function flipOneByte(body) {
  if (body.length === 0) return body;
  const damaged = Buffer.from(body);
  damaged[Math.floor(damaged.length / 2)] ^= 0x01;
  return damaged;
}

export function startFlipProxy({ targetPort, targetHost = '127.0.0.1', port = 0 }) {
  const state = { flipped: 0, requests: 0 };
  const server = http.createServer((request, response) => {
    state.requests++;
    const { pathname } = new URL(request.url, 'http://proxy.invalid');
    const damage = request.method === 'GET' && CONTENT_PATH.test(pathname);
    const upstream = http.request(
      {
        host: targetHost,
        port: targetPort,
        method: request.method,
        path: request.url,
        headers: { ...request.headers, host: `${targetHost}:${targetPort}` },
      },
      (answer) => {
        if (!damage || answer.statusCode !== 200) {
          response.writeHead(answer.statusCode, answer.rawHeaders);
          answer.pipe(response);
          return;
        }
        const chunks = [];
        answer.on('data', (chunk) => chunks.push(chunk));
        answer.on('end', () => {
          const body = flipOneByte(Buffer.concat(chunks));
          state.flipped++;
          const headers = withoutTransferEncoding(answer.rawHeaders);
          response.writeHead(answer.statusCode, [...headers, 'Content-Length', String(body.length)]);
          response.end(body);
        });
      },
    );
    upstream.on('error', (error) => {
      response.writeHead(502, { 'Content-Type': 'text/plain' });
      response.end(`flip proxy: ${error.message}\n`);
    });
    request.pipe(upstream);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      resolve({
        port: server.address().port,
        get flipped() {
          return state.flipped;
        },
        get requests() {
          return state.requests;
        },
        close: () => new Promise((done) => server.close(done).closeAllConnections?.()),
      });
    });
  });
}

// The body is re-sent whole with its own Content-Length; a chunked upstream framing
// (or its old length) must not be repeated.
function withoutTransferEncoding(rawHeaders) {
  const kept = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i].toLowerCase();
    if (name !== 'transfer-encoding' && name !== 'content-length') kept.push(rawHeaders[i], rawHeaders[i + 1]);
  }
  return kept;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [targetPort, listenPort = '0'] = process.argv.slice(2);
  if (!targetPort) {
    console.error('usage: node flip_proxy.mjs TARGET_PORT [LISTEN_PORT]');
    process.exit(2);
  }
  const proxy = await startFlipProxy({ targetPort: Number(targetPort), port: Number(listenPort) });
  console.log(`flip proxy on http://127.0.0.1:${proxy.port}/ → 127.0.0.1:${targetPort}`);
}
