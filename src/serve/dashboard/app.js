// The dashboard's shell: the token, one live connection to /api/v1/events shared by the pages,
// and hash routing (#/, #/fabric/NAME, #/plan/ID, #/runs, #/run/ID).
import { api, stream, token } from './api.js';
import { fabricPage, fabricsPage, planPage, runPage, runsPage } from './views.js';

const main = document.getElementById('main');
const liveState = document.getElementById('live-state');

/** The fabric bus: listeners by event name, and each fabric's latest drift report. */
const live = {
  listeners: new Map(),
  latest: new Map(),
  on(name, f) {
    if (!this.listeners.has(name)) this.listeners.set(name, new Set());
    this.listeners.get(name).add(f);
    return () => this.listeners.get(name).delete(f);
  },
  emit(name, d) {
    if (name === 'drift') this.latest.set(d.fabric, d.report);
    for (const f of this.listeners.get(name) ?? []) f(d);
  },
};

let liveCtl;
function connectLive() {
  liveCtl?.abort();
  liveCtl = new AbortController();
  const ctl = liveCtl;
  liveState.textContent = 'connecting';
  stream('/api/v1/events', (name, d) => {
    liveState.textContent = `connected, last event ${new Date().toISOString().slice(11, 19)}`;
    live.emit(name, d);
  }, ctl.signal)
    .catch((e) => (liveState.textContent = `disconnected (${e.message})`))
    .finally(() => !ctl.signal.aborted && setTimeout(connectLive, 2000));
}

let leave = () => undefined;
async function route() {
  leave();
  leave = () => undefined;
  const [, page, arg] = location.hash.replace(/^#\/?/, '').match(/^([^/]*)\/?(.*)$/) ?? [];
  try {
    const me = await api('/api/v1/token');
    document.getElementById('whoami').textContent = me.name ? `${me.name} (${me.role})` : `(no tokens: ${me.role})`;
    const a = decodeURIComponent(arg ?? '');
    const off = page === 'fabric' ? await fabricPage(main, a, live, me) : page === 'plan' ? await planPage(main, a, me) : page === 'runs' ? await runsPage(main, live) : page === 'run' ? await runPage(main, a) : await fabricsPage(main);
    if (typeof off === 'function') leave = off;
  } catch (e) {
    main.innerHTML = '';
    const p = document.createElement('p');
    p.className = 'error';
    p.id = 'error';
    p.textContent = e.message;
    main.append(p);
  }
}

document.getElementById('token-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const input = document.getElementById('token');
  token.set(input.value.trim());
  input.value = '';
  connectLive();
  void route();
});
window.addEventListener('hashchange', () => void route());
connectLive();
void route();
