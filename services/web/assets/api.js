// The archive's HTTP JSON API (/api/v1/...) from the page, and this browser's storage.
//
// Answers are the proto3 JSON mapping of proto/archive/v1/archive.proto with the proto
// field names: uint64 values arrive as strings, bytes as base64, and fields holding their
// default value (0, "", false, []) are absent. Errors arrive as HTTP 4xx/5xx with
// {"error": {"code", "exit", "message"}}.

export class ApiError extends Error {
  constructor(path, status, code, message) {
    super(message);
    this.name = 'ApiError';
    this.path = path;
    this.status = status;
    this.code = code;
  }
}

async function request(path) {
  let response;
  try {
    // no-store: a checkpoint or a listing from the cache would hide what the archive
    // serves now, which is what the rollback check is about.
    response = await fetch(path, { cache: 'no-store', credentials: 'same-origin' });
  } catch (error) {
    throw new ApiError(path, 0, 'UNREACHABLE', error.message);
  }
  if (!response.ok) throw await errorFrom(path, response);
  return response;
}

async function errorFrom(path, response) {
  let code = `HTTP_${response.status}`;
  let message = response.statusText || code;
  try {
    const body = await response.json();
    code = body.error?.code ?? code;
    message = body.error?.message ?? message;
  } catch {
    // Not JSON (a proxy's page, say): keep the HTTP status.
  }
  return new ApiError(path, response.status, code, message);
}

export async function getJson(path) {
  const response = await request(path);
  return response.json();
}

export async function getBytes(path) {
  const response = await request(path);
  return new Uint8Array(await response.arrayBuffer());
}

export const archiveApi = { json: getJson, bytes: getBytes };

// Paths, with every id percent-encoded (ids may hold '/', '?', CJK…).

export function documentPath(documentId) {
  return `/api/v1/documents/${encodeURIComponent(documentId)}`;
}

export function contentPath(documentId, revisionId) {
  return `${documentPath(documentId)}/content?rev=${encodeURIComponent(revisionId)}`;
}

export function documentPagePath(documentId, revisionId) {
  const page = `/doc/${encodeURIComponent(documentId)}`;
  return revisionId ? `${page}?rev=${encodeURIComponent(revisionId)}` : page;
}

export function queryString(params) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') query.set(name, value);
  }
  const text = query.toString();
  return text ? `?${text}` : '';
}

// What the checks remember, in localStorage under "policy-archive/": per web origin by
// nature, so two archives on two ports never mix their pins. JSON values; a value that
// cannot be read is treated as absent.
export const browserStore = {
  get(name) {
    try {
      const text = localStorage.getItem(`policy-archive/${name}`);
      return text === null ? null : JSON.parse(text);
    } catch {
      return null;
    }
  },
  set(name, value) {
    localStorage.setItem(`policy-archive/${name}`, JSON.stringify(value));
  },
};
