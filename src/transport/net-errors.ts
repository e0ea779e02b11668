// What went wrong while reaching a switch, in words: the errno of the socket (refused, no such
// socket, timed out, no route), a TLS handshake failure, or a refused authentication. Every
// transport (RESP, ioredis subscribers, gNMI) phrases a failed connection through here, so a
// refused port and a dead unix socket never read alike ("Connection is closed.").
import type { SwitchErrorCode } from './transport.ts';

export interface ConnectFailure {
  readonly code: SwitchErrorCode;
  /** The cause, phrased for "<switch> (<endpoint>): cannot connect: <words>". */
  readonly words: string;
}

/** Where the connection went: for the words ("nothing listens on …"). */
export interface ConnectTarget {
  readonly host?: string;
  readonly port?: number;
  readonly socket?: string;
  readonly tls?: boolean;
}

const AUTH = /WRONGPASS|NOAUTH|invalid password|invalid username-password/i;

// OpenSSL and Node name certificate failures by code; these are the ones a misconfigured
// inventory meets (wrong CA, self-signed server, wrong name, expired).
const TLS_WORDS: Readonly<Record<string, string>> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the server certificate is not signed by the CA given (tls.ca)',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the server certificate is not signed by the CA given (tls.ca)',
  SELF_SIGNED_CERT_IN_CHAIN: 'the server certificate chain ends in a CA that is not trusted (tls.ca)',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the server certificate is self-signed and not trusted (tls.ca)',
  CERT_HAS_EXPIRED: 'the server certificate has expired',
  CERT_NOT_YET_VALID: 'the server certificate is not valid yet',
  ERR_TLS_CERT_ALTNAME_INVALID: 'the server certificate does not name this host (tls.servername)',
};

function errnoOf(e: unknown): string | undefined {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string') return code;
  // gRPC and ioredis carry the socket error only in their text ("connect ECONNREFUSED 1.2.3.4:5").
  return /\b(E[A-Z]{3,}|ERR_SSL_[A-Z0-9_]+|ERR_TLS_[A-Z0-9_]+|[A-Z_]*CERT[A-Z_]*)\b/.exec(String((e as Error)?.message ?? e))?.[1];
}

export function connectFailure(e: unknown, t: ConnectTarget): ConnectFailure {
  return knownFailure(e, t) ?? { code: 'UNREACHABLE', words: String((e as Error)?.message ?? e) };
}

/** The failure in words when its cause is recognised (an errno, TLS, authentication). */
export function knownFailure(e: unknown, t: ConnectTarget): ConnectFailure | undefined {
  const msg = String((e as Error)?.message ?? e);
  const where = t.socket ? `unix:${t.socket}` : `${t.host ?? '127.0.0.1'}:${t.port ?? 6379}`;
  if (AUTH.test(msg)) return { code: 'REJECTED', words: `authentication failed: ${msg}` };
  const errno = errnoOf(e);
  switch (errno) {
    case 'ECONNREFUSED':
      return { code: 'UNREACHABLE', words: t.socket ? `connection refused on ${where} (a socket file with no server behind it)` : `connection refused: nothing listens on ${where} (service down or wrong port)` };
    case 'ENOENT':
      return { code: 'UNREACHABLE', words: `no such socket ${t.socket ?? where} (redis is not running there, or the path is wrong)` };
    case 'EACCES':
    case 'EPERM':
      return { code: 'UNREACHABLE', words: `permission denied on ${where}` };
    case 'ENOTSOCK':
      return { code: 'UNREACHABLE', words: `${where} is not a socket` };
    case 'ETIMEDOUT':
      return { code: 'UNREACHABLE', words: `connection to ${where} timed out (address unreachable or filtered)` };
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return { code: 'UNREACHABLE', words: `no route to ${where}` };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { code: 'UNREACHABLE', words: `host name ${t.host} does not resolve` };
    case 'ECONNRESET':
    case 'EPIPE':
      return { code: 'UNREACHABLE', words: t.tls ? `the server reset the connection during the TLS handshake (does it want a client certificate, tls.cert/tls.key?)` : `the server reset the connection while connecting (a TLS port? then the inventory needs redis.tls)` };
  }
  if (errno && TLS_WORDS[errno]) return { code: 'UNREACHABLE', words: `TLS handshake failed: ${TLS_WORDS[errno]} (${errno})` };
  if (errno?.startsWith('ERR_SSL_') || (t.tls && /SSL|TLS|certificate/i.test(msg))) {
    const plain = /WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG|HTTP_REQUEST/.test(errno ?? msg);
    return { code: 'UNREACHABLE', words: `TLS handshake failed: ${plain ? 'the server does not speak TLS on this port' : msg}` };
  }
  return undefined;
}
