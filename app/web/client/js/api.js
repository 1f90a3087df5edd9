// The REST API (docs/api.md), as any third-party client uses it: JSON over fetch, Bearer tokens.

/** A refused request: `status` 0 means the server could not be reached. `code` and `details` come
 * from the API's error body {"error": {"code", "message", "details"?}}. */
export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }

  /** The first message per field for 422s, e.g. {"username": "already taken"}. */
  fieldMessages() {
    const fields = this.details?.fields || {};
    return Object.fromEntries(Object.entries(fields).map(([name, messages]) => [name, [].concat(messages)[0]]));
  }
}

/** fetch() a same-origin API path; resolves to the JSON body (null for 204), rejects with ApiError. */
export async function request(method, path, { token, body, query } = {}) {
  const url = new URL(path, window.location.origin);
  for (const [name, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null) url.searchParams.set(name, value);
  }
  const headers = { Accept: "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (error) {
    throw new ApiError(0, "network_error", "the server cannot be reached");
  }
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const error = data?.error || {};
    throw new ApiError(response.status, error.code || "http_error", error.message || response.statusText, error.details);
  }
  return data;
}
