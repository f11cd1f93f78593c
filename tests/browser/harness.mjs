// Processes for the browser test: free loopback ports, archived started and stopped,
// archivectl run, the sample corpus's metadata. Every process started here is recorded
// so that stopAll() can end it whatever happened.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, openSync, closeSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const running = new Set();

export async function freePort() {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

// Starts archived and waits until its HTTP listener answers /healthz. `args` are the
// flags after --data_dir, --origin, --listen and --http_listen. Resolves to a handle
// {process, grpcPort, httpPort, log}; rejects with the end of its log if it exits first.
export async function startArchived({ binary, dataDir, origin, grpcPort, httpPort, logFile, args = [] }) {
  const log = openSync(logFile, 'a');
  const child = spawn(
    binary,
    [
      `--data_dir=${dataDir}`,
      `--origin=${origin}`,
      `--listen=127.0.0.1:${grpcPort}`,
      `--http_listen=127.0.0.1:${httpPort}`,
      ...args,
    ],
    { stdio: ['ignore', log, log] },
  );
  closeSync(log);
  running.add(child);
  const exited = once(child, 'exit').then(([code, signal]) => {
    running.delete(child);
    return { code, signal };
  });
  const handle = { process: child, grpcPort, httpPort, logFile, exited };
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const ended = await Promise.race([exited, sleep(100).then(() => null)]);
    if (ended) {
      throw new Error(`archived exited (${ended.code ?? ended.signal}) before serving:\n${tail(logFile)}`);
    }
    if (await answers(`http://127.0.0.1:${httpPort}/healthz`)) return handle;
  }
  await stopArchived(handle);
  throw new Error(`archived did not answer /healthz within 60 s:\n${tail(logFile)}`);
}

async function answers(url) {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return response.ok;
  } catch {
    return false;
  }
}

// SIGTERM (archived drains and exits 0), SIGKILL after 15 s.
export async function stopArchived(handle) {
  if (!handle || handle.process.exitCode !== null || handle.process.signalCode !== null) return;
  handle.process.kill('SIGTERM');
  const ended = await Promise.race([handle.exited, sleep(15_000).then(() => null)]);
  if (!ended) {
    handle.process.kill('SIGKILL');
    await handle.exited;
  }
}

export async function stopAll() {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

// Runs archivectl; resolves to its stdout, rejects with its stderr on a non-zero exit.
export async function archivectl(binary, server, args, env) {
  const child = spawn(binary, ['--server', server, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const [code] = await once(child, 'exit');
  running.delete(child);
  if (code !== 0) throw new Error(`archivectl ${args.join(' ')} exited ${code}: ${stderr.trim()}`);
  return stdout.trim();
}

export function tail(file, lines = 30) {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

// samples/manifest.tsv: id → {region, title, issuer, doc_number, date, …}.
export function readManifest(samplesDir) {
  const [header, ...rows] = readFileSync(path.join(samplesDir, 'manifest.tsv'), 'utf8').trimEnd().split('\n');
  const names = header.split('\t');
  return new Map(
    rows.map((row) => {
      const fields = Object.fromEntries(row.split('\t').map((value, i) => [names[i], value]));
      return [fields.id, fields];
    }),
  );
}

// archivectl put's metadata flags for a manifest row; empty fields are left out.
export function metadataFlags(row) {
  const flags = [];
  const add = (flag, value) => value && flags.push(flag, value);
  add('--title', row.title);
  add('--issuer', row.issuer);
  add('--number', row.doc_number);
  add('--region', row.region);
  add('--date', row.date);
  return flags;
}
