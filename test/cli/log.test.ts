// Log lines: short human lines on a terminal, JSON lines when stderr is not one, --log-format
// and CLOS_LOG_FORMAT to choose; a log line written under a progress line keeps it below.
import { afterEach, describe, expect, it } from 'vitest';
import { humanLine, createLogger } from '../../src/log.ts';
import { setLogFormat, showStatus, clearStatus, type TerminalStream } from '../../src/terminal.ts';
import { runCli } from '../support/cli.ts';

const ROOT = new URL('../..', import.meta.url).pathname;

function fakeStream(isTTY: boolean): TerminalStream & { text: string } {
  return {
    isTTY,
    columns: 100,
    text: '',
    write(t: string) {
      this.text += t;
      return true;
    },
  };
}

const TIME = /^\d\d:\d\d:\d\d /;

afterEach(() => {
  setLogFormat(undefined);
  delete process.env.CLOS_LOG_FORMAT;
  delete process.env.NO_COLOR;
});

describe('human log lines', () => {
  it('show time, level, switch and message, then the other fields as key=value', () => {
    const json = JSON.stringify({ level: 30, time: Date.UTC(2026, 10, 23, 16, 42, 1), name: 'clos-lab', switch: 'spine1', redis: '127.0.1.1:6379', msg: 'starting redis' });
    expect(humanLine(json)).toBe('16:42:01 INFO  spine1: starting redis redis=127.0.1.1:6379\n');
  });

  it('shorten long lists, quote values with spaces, show an error by its message', () => {
    const switches = Array.from({ length: 72 }, (_, i) => `leaf${i + 1}`);
    const json = JSON.stringify({ level: 50, time: 0, msg: 'agent failed', agent: 'agent-0', switches, note: 'two words', err: { type: 'Error', message: 'socket closed', stack: 'Error: socket closed\n    at x' } });
    expect(humanLine(json)).toBe('00:00:00 ERROR agent failed agent=agent-0 switches=leaf1,leaf2,leaf3,leaf4,leaf5,leaf6,…(72) note="two words" err="socket closed"\n');
  });

  it('on a terminal: one human line per record, the level coloured unless NO_COLOR', () => {
    const tty = fakeStream(true);
    const log = createLogger('clos-lab', 'info', tty);
    log.info({ switch: 'leaf1' }, 'starting lldpd');
    log.warn('no switch named');
    log.info({ switch: 'leaf1', daemon: 'redis', pid: 4242 }, 'stopped');
    expect(tty.text).toMatch(/^\d\d:\d\d:\d\d \x1b\[36mINFO \x1b\[0m leaf1: starting lldpd\n\d\d:\d\d:\d\d \x1b\[33mWARN \x1b\[0m no switch named\n\d\d:\d\d:\d\d \x1b\[36mINFO \x1b\[0m leaf1: stopped daemon=redis pid=4242\n$/);
    process.env.NO_COLOR = '1';
    const plain = fakeStream(true);
    createLogger('clos-lab', 'info', plain).info({ switch: 'leaf1' }, 'starting lldpd');
    expect(plain.text).toMatch(TIME);
    expect(plain.text.slice(9)).toBe('INFO  leaf1: starting lldpd\n');
  });
});

describe('JSON log lines', () => {
  it('when the stream is not a terminal', () => {
    const file = fakeStream(false);
    createLogger('clos-lab', 'info', file).info({ switch: 'leaf1', namespace: 'clos-dc1-leaf1' }, 'starting lldpd');
    const lines = file.text.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 30, name: 'clos-lab', switch: 'leaf1', namespace: 'clos-dc1-leaf1', msg: 'starting lldpd', pid: process.pid });
    expect(JSON.parse(lines[0]!)).toHaveProperty('hostname');
  });

  it('on a terminal with CLOS_LOG_FORMAT=json', () => {
    process.env.CLOS_LOG_FORMAT = 'json';
    const tty = fakeStream(true);
    createLogger('clos-lab', 'info', tty).info('x');
    expect(JSON.parse(tty.text)).toMatchObject({ msg: 'x' });
  });

  it('on a terminal with --log-format json (which wins over CLOS_LOG_FORMAT); --log-format human on a pipe', async () => {
    process.env.CLOS_LOG_FORMAT = 'human';
    const r = await runCli('--log-format', 'json', 'validate', `${ROOT}topologies/dc1.fabric.yaml`);
    expect(r.code).toBe(0);
    const tty = fakeStream(true);
    createLogger('clos-lab', 'info', tty).info({ switch: 'spine1' }, 'starting redis');
    expect(JSON.parse(tty.text)).toMatchObject({ switch: 'spine1', msg: 'starting redis' });

    expect((await runCli('validate', `${ROOT}topologies/dc1.fabric.yaml`, '--log-format', 'human')).code).toBe(0);
    const pipe = fakeStream(false);
    createLogger('clos-lab', 'info', pipe).info({ switch: 'spine1' }, 'starting redis');
    expect(pipe.text.slice(9)).toBe('INFO  spine1: starting redis\n');
  });

  it('--log-format takes human or json only', async () => {
    const r = await runCli('--log-format', 'xml', 'validate', `${ROOT}topologies/dc1.fabric.yaml`);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('clos: --log-format must be human or json, not "xml"\n');
    expect(r.stdout).toBe('');
  });
});

describe('log lines under a progress line', () => {
  it('clear the progress line, take its place and redraw it below', () => {
    const tty = fakeStream(true);
    const log = createLogger('clos-lab', 'info', tty);
    showStatus(tty, 'lab up  3/72 switches  1.0 s');
    log.info({ switch: 'leaf4' }, 'starting redis');
    clearStatus(tty);
    expect(tty.text).toMatch(/^\r\x1b\[2Klab up {2}3\/72 switches {2}1\.0 s\r\x1b\[2K\d\d:\d\d:\d\d .*INFO.* leaf4: starting redis\nlab up {2}3\/72 switches {2}1\.0 s\r\x1b\[2K$/);
  });
});
