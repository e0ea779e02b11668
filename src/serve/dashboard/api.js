// The API as the dashboard uses it: fetch with the bearer token, problem details turned into
// errors, and Server-Sent Events read from a fetch stream (EventSource cannot send the token).
const KEY = 'clos-token';

export const token = {
  get: () => sessionStorage.getItem(KEY) ?? '',
  set: (t) => (t ? sessionStorage.setItem(KEY, t) : sessionStorage.removeItem(KEY)),
};

function headers(extra = {}) {
  const t = token.get();
  return { ...(t ? { authorization: `Bearer ${t}` } : {}), ...extra };
}

export class ApiProblem extends Error {
  constructor(p) {
    super(`${p.code}: ${p.detail}`);
    this.problem = p;
  }
}

export async function api(path, opts = {}) {
  const r = await fetch(path, {
    method: opts.method ?? 'GET',
    headers: headers(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
    ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
  });
  const type = r.headers.get('content-type') ?? '';
  if (!r.ok) throw new ApiProblem(type.includes('json') ? await r.json() : { code: String(r.status), detail: await r.text() });
  return type.includes('json') && !type.includes('svg') ? r.json() : r.text();
}

/** Calls onEvent(name, data) for each event until the stream ends or signal aborts. */
export async function stream(path, onEvent, signal) {
  const r = await fetch(path, { headers: headers({ accept: 'text/event-stream' }), signal });
  if (!r.ok) throw new ApiProblem(await r.json());
  const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += value;
    let i;
    while ((i = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      let name = 'message';
      const data = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) name = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      if (data.length) onEvent(name, JSON.parse(data.join('\n')));
    }
  }
}
