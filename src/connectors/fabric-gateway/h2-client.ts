/**
 * gRPC over node:http2 for the few calls ledgerbench's own fabric-gateway connector makes: unary
 * Endorse, Submit, CommitStatus and Evaluate (through fabric-gateway, which calls makeUnaryRequest
 * only) and the DeliverFiltered stream (commit-events.ts). grpc-js does the same over the same
 * node:http2, with a call stack of filters, interceptors and per-call timers around it; on this
 * machine one unary call costs the client about half as much CPU without it (`npm run bench --
 * transport`, bench/transport.bench.ts). The connector option `transport: grpc-js` keeps grpc-js for anything this client
 * does not do (grpc channel options other than the ones in {@link Http2Target}).
 *
 * Wire format (gRPC's PROTOCOL-HTTP2): a POST to /package.Service/Method with content-type
 * application/grpc and `te: trailers`; each message is a 5-byte prefix (compressed flag, big-endian
 * length) and the bytes; the status arrives in the trailers (grpc-status, grpc-message,
 * grpc-status-details-bin), or in the headers of a trailers-only answer.
 */
import { EventEmitter } from 'node:events';
import http2 from 'node:http2';
import { Metadata, status as GrpcStatus } from '@grpc/grpc-js';

/** Where and how to connect. */
export interface Http2Target {
  /** `host:port`. */
  endpoint: string;
  /** PEM of the TLS root CA; plaintext HTTP/2 when absent. */
  tlsRootCertPem?: string;
  /** Host name the server's TLS certificate must carry (and the :authority sent), when not the endpoint's. */
  serverName?: string;
  /** Longest message accepted from the server, bytes; -1 for no limit. */
  maxReceiveBytes: number;
  /** Longest message sent, bytes; -1 for no limit. */
  maxSendBytes: number;
  /** HTTP/2 PING interval on an idle-or-busy connection (grpc.keepalive_time_ms); off when absent. */
  keepaliveMs?: number;
  /** How long a PING may go unanswered before the connection is given up (grpc.keepalive_timeout_ms). */
  keepaliveTimeoutMs?: number;
}

/** What a failed call reports: the shape of grpc-js's ServiceError, which fabric-gateway reads. */
export interface Http2ServiceError extends Error {
  code: number;
  details: string;
  metadata: Metadata;
}

/** Call options fabric-gateway passes (only the deadline is used). */
export interface Http2CallOptions {
  deadline?: Date | number;
}

/** A bidirectional stream: write() requests, 'data' answers, then 'end' (OK status) or 'error'. */
export interface Http2DuplexCall<Req, Res> extends EventEmitter {
  write(message: Req): boolean;
  cancel(): void;
  on(event: 'data', listener: (message: Res) => void): this;
  on(event: 'error', listener: (err: Http2ServiceError) => void): this;
  on(event: 'end', listener: () => void): this;
}

/** After a failed connection attempt, calls fail at once for this long before the next attempt. */
const RECONNECT_BACKOFF_MS = 1000;
/**
 * How often deadlines are checked while calls with one are in flight. The server keeps the same
 * deadline and answers DEADLINE_EXCEEDED itself, so this is the backstop for a server that does not,
 * and each check is a wake-up of its own (see #expire).
 */
const DEADLINE_SWEEP_MS = 100;
/** How long a server gets to end a call past its deadline itself before the client resets the stream. */
const DEADLINE_GRACE_MS = 2000;
/** HTTP status -> gRPC code, for answers that are not gRPC (a proxy's, a wrong port's): the spec's table. */
const HTTP_STATUS_CODES: Readonly<Record<number, number>> = {
  400: GrpcStatus.INTERNAL,
  401: GrpcStatus.UNAUTHENTICATED,
  403: GrpcStatus.PERMISSION_DENIED,
  404: GrpcStatus.UNIMPLEMENTED,
  429: GrpcStatus.UNAVAILABLE,
  502: GrpcStatus.UNAVAILABLE,
  503: GrpcStatus.UNAVAILABLE,
  504: GrpcStatus.UNAVAILABLE,
};

/** A new ServiceError-shaped error; `message` reads like grpc-js's ("14 UNAVAILABLE: ..."). */
function serviceError(code: number, details: string, metadata = new Metadata()): Http2ServiceError {
  const err = new Error(`${code} ${GrpcStatus[code] ?? 'UNKNOWN'}: ${details}`) as Http2ServiceError;
  err.code = code;
  err.details = details;
  err.metadata = metadata;
  return err;
}

/** One gRPC call in flight: its stream, deadline and how it ends. */
interface LiveCall {
  stream: http2.ClientHttp2Stream;
  deadline: number;
  /** Ends the call with `err` and resets its stream. */
  fail(err: Http2ServiceError): void;
  /** Ends the call with DEADLINE_EXCEEDED, leaving its stream to the server for a while (see #expire). */
  expire(): void;
  /** Set once expired: when the stream is reset if the server has not ended it by then (Date.now()). */
  resetAt?: number;
}

/** A gRPC client of one server over one HTTP/2 connection, reopened when it is lost. */
export class Http2GrpcClient {
  readonly #target: Http2Target;
  readonly #authority: string;
  readonly #live = new Set<LiveCall>();
  /** The calls of #live with a deadline: only while there are some does the sweep run. */
  readonly #timed = new Set<LiveCall>();
  #session: http2.ClientHttp2Session | undefined;
  #connected: Promise<void> | undefined;
  /** The last connection failure and when it happened, for the back-off. */
  #lastFailure: { at: number; why: string } | undefined;
  #sweep: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(target: Http2Target) {
    this.#target = target;
    const port = target.endpoint.slice(target.endpoint.lastIndexOf(':') + 1);
    this.#authority = target.serverName ? `${target.serverName}:${port}` : target.endpoint;
  }

  /**
   * Opens the connection ahead of the first call and waits at most `waitMs` for it. A server that
   * cannot be reached is not an error here: the calls then fail with UNAVAILABLE and are counted.
   */
  async connect(waitMs: number): Promise<void> {
    const session = this.#currentSession();
    if (!session) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.#connected, new Promise<void>((r) => (timer = setTimeout(r, waitMs)))]);
    clearTimeout(timer);
  }

  /** A unary call, in grpc-js's makeUnaryRequest form (the one fabric-gateway uses). */
  makeUnaryRequest<Req, Res>(
    method: string,
    serialize: (value: Req) => Buffer,
    deserialize: (bytes: Buffer) => Res,
    argument: Req,
    options: Http2CallOptions,
    callback: (err: Http2ServiceError | null, value?: Res) => void,
  ): void {
    let answered = false;
    let answer: Buffer | undefined;
    const finish = (err: Http2ServiceError | null, value?: Res): void => {
      if (answered) return;
      answered = true;
      callback(err, value);
    };
    const call = this.#start(method, options, (err) => finish(err), (message) => {
      if (answer) return call?.fail(serviceError(GrpcStatus.UNIMPLEMENTED, `${method}: more than one message in a unary answer`));
      answer = message;
    });
    if (!call) return;
    call.onStatus = (code, details, metadata) => {
      if (code !== GrpcStatus.OK) return finish(serviceError(code, details, metadata));
      if (!answer) return finish(serviceError(GrpcStatus.UNIMPLEMENTED, `${method}: no message in the answer`));
      let value: Res;
      try {
        value = deserialize(answer);
      } catch (err) {
        return finish(serviceError(GrpcStatus.INTERNAL, `${method}: undecodable answer (${(err as Error).message})`));
      }
      finish(null, value);
    };
    const bad = this.#send(call, serialize(argument), true);
    if (bad) call.fail(bad);
  }

  /** A bidirectional stream, in grpc-js's makeBidiStreamRequest form. */
  makeBidiStreamRequest<Req, Res>(method: string, serialize: (value: Req) => Buffer, deserialize: (bytes: Buffer) => Res, options: Http2CallOptions = {}): Http2DuplexCall<Req, Res> {
    const events = new EventEmitter() as Http2DuplexCall<Req, Res>;
    let ended = false;
    const end = (err: Http2ServiceError | null): void => {
      if (ended) return;
      ended = true;
      if (err) events.emit('error', err);
      else events.emit('end');
    };
    const call = this.#start(method, options, (err) => setImmediate(() => end(err)), (message) => {
      let value: Res;
      try {
        value = deserialize(message);
      } catch (err) {
        return call?.fail(serviceError(GrpcStatus.INTERNAL, `${method}: undecodable message (${(err as Error).message})`));
      }
      if (!ended) events.emit('data', value);
    });
    events.write = (message: Req): boolean => {
      if (!call || ended) return false;
      const bad = this.#send(call, serialize(message), false);
      if (bad) call.fail(bad);
      return !bad;
    };
    events.cancel = (): void => call?.fail(serviceError(GrpcStatus.CANCELLED, 'cancelled on the client'));
    if (!call) return events;
    call.onStatus = (code, details, metadata) => end(code === GrpcStatus.OK ? null : serviceError(code, details, metadata));
    return events;
  }

  /** Ends every call in flight (CANCELLED) and the connection. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const call of [...this.#live]) call.fail(serviceError(GrpcStatus.CANCELLED, 'the client was closed'));
    this.#dropSession();
  }

  /**
   * Opens the stream of one call, whose messages go to `onMessage` one whole message at a time, or
   * reports why it cannot be opened through `fail` (after the caller's listeners are set: on the next
   * turn) and returns undefined.
   */
  #start(method: string, options: Http2CallOptions, fail: (err: Http2ServiceError) => void, onMessage: (message: Buffer) => void): (LiveCall & { onStatus?: StatusListener }) | undefined {
    const deadline = options.deadline === undefined ? Infinity : Number(options.deadline);
    const refuse = (err: Http2ServiceError): undefined => {
      queueMicrotask(() => fail(err));
      return undefined;
    };
    if (this.#closed) return refuse(serviceError(GrpcStatus.CANCELLED, 'the client was closed'));
    const left = deadline - Date.now();
    if (left <= 0) return refuse(serviceError(GrpcStatus.DEADLINE_EXCEEDED, `${method}: the deadline passed before the call started`));
    const session = this.#currentSession();
    if (!session) return refuse(serviceError(GrpcStatus.UNAVAILABLE, `no connection to ${this.#target.endpoint}: ${this.#lastFailure?.why}`));
    const headers: http2.OutgoingHttpHeaders = {
      ':method': 'POST',
      ':path': method,
      ':authority': this.#authority,
      'content-type': 'application/grpc',
      te: 'trailers',
    };
    // gRPC's timeout header: at most 8 digits, so long deadlines go in seconds.
    if (Number.isFinite(left)) headers['grpc-timeout'] = left < 1e8 ? `${Math.ceil(left)}m` : `${Math.ceil(left / 1000)}S`;
    let stream: http2.ClientHttp2Stream;
    try {
      stream = session.request(headers);
    } catch (err) {
      return refuse(serviceError(GrpcStatus.UNAVAILABLE, `${this.#target.endpoint}: ${(err as Error).message}`));
    }
    let done = false;
    const call: LiveCall & { onStatus?: StatusListener } = {
      stream,
      deadline,
      fail: (err) => {
        if (done) return;
        done = true;
        this.#untrack(call);
        if (!stream.closed) stream.close(err.code === GrpcStatus.CANCELLED ? http2.constants.NGHTTP2_CANCEL : http2.constants.NGHTTP2_INTERNAL_ERROR);
        fail(err);
      },
      expire: () => {
        if (done) return;
        done = true;
        call.resetAt = Date.now() + DEADLINE_GRACE_MS;
        fail(serviceError(GrpcStatus.DEADLINE_EXCEEDED, 'Deadline exceeded'));
      },
    };
    const settle = (code: number, details: string, metadata: Metadata): void => {
      if (done) return;
      done = true;
      this.#untrack(call);
      call.onStatus?.(code, details, metadata);
    };
    const reader = new MessageReader(this.#target.maxReceiveBytes, onMessage);
    stream.on('data', (chunk: Buffer) => {
      const bad = reader.push(chunk);
      if (bad) call.fail(bad);
    });
    let status: { code: number; details: string; metadata: Metadata } | undefined;
    stream.on('response', (head) => {
      const http = Number(head[':status']);
      if (http !== 200) {
        status = { code: HTTP_STATUS_CODES[http] ?? GrpcStatus.UNKNOWN, details: `HTTP status ${http} from ${this.#target.endpoint}`, metadata: new Metadata() };
      } else if (head['grpc-status'] !== undefined) status = statusOf(head); // trailers-only
    });
    stream.on('trailers', (trailers) => {
      status ??= statusOf(trailers);
    });
    // The server's side has ended. The call is over even where ours is still open (a stream the
    // server ends while the client could still write), so it is settled now, and such a stream is
    // closed. One whose both sides have ended is closed already on the wire: a RST_STREAM for it
    // would count as an invalid frame against the connection, and Node's server drops a connection
    // after 1,000 of them.
    stream.on('end', () => {
      if (!status) return;
      settle(status.code, status.details, status.metadata);
      if (!stream.closed && !stream.writableEnded) stream.close();
    });
    // A stream error is reported when the stream closes; a connection-level one (refused, reset,
    // TLS) means the server was not reached or went away.
    let streamError: (Error & { code?: string }) | undefined;
    stream.on('error', (err: Error) => (streamError = err));
    stream.on('close', () => {
      this.#untrack(call); // an expired call is tracked until its stream closes
      if (status) return settle(status.code, status.details, status.metadata);
      const rst = stream.rstCode;
      if (streamError && streamError.code !== 'ERR_HTTP2_STREAM_ERROR') {
        return call.fail(serviceError(GrpcStatus.UNAVAILABLE, `${this.#target.endpoint}: ${streamError.message}`));
      }
      call.fail(serviceError(codeOfReset(rst), rst ? `Received RST_STREAM with code ${rst}` : `the connection to ${this.#target.endpoint} closed before the call ended`));
    });
    if (this.#live.size === 0) session.ref();
    this.#live.add(call);
    // The block stream has no deadline and lives as long as the connector: it does not keep the sweep going.
    if (Number.isFinite(deadline)) {
      this.#timed.add(call);
      this.#sweep ??= setInterval(() => this.#expire(), DEADLINE_SWEEP_MS).unref();
    }
    return call;
  }

  /** Writes one framed message; an error when it is larger than the send limit. */
  #send(call: LiveCall, message: Buffer, last: boolean): Http2ServiceError | undefined {
    const max = this.#target.maxSendBytes;
    if (max >= 0 && message.length > max) {
      return serviceError(GrpcStatus.RESOURCE_EXHAUSTED, `Sent message larger than max (${message.length} vs. ${max})`);
    }
    const frame = Buffer.allocUnsafe(5 + message.length);
    frame[0] = 0;
    frame.writeUInt32BE(message.length, 1);
    message.copy(frame, 5);
    if (last) call.stream.end(frame);
    else call.stream.write(frame);
    return undefined;
  }

  #untrack(call: LiveCall): void {
    if (this.#timed.delete(call) && this.#timed.size === 0) {
      clearInterval(this.#sweep);
      this.#sweep = undefined;
    }
    // Like grpc-js's channel: an idle connection does not keep the process alive, a call in flight does.
    if (this.#live.delete(call) && this.#live.size === 0) this.#session?.unref();
  }

  /**
   * Ends the calls whose deadline has passed. Their streams are not reset at once: the server has the
   * same deadline (grpc-timeout) and ends them itself at about the same moment, often with its answer
   * already in this socket's buffer, unread while the timers run. A reset for a stream the server has
   * closed counts as an invalid frame against the connection (Node's HTTP/2 server drops it after
   * 1,000), which under overload, with thousands of calls expiring, it would be. A server that has not
   * ended the stream within DEADLINE_GRACE_MS is not keeping time, and then it is reset.
   */
  #expire(): void {
    const now = Date.now();
    for (const call of this.#timed) {
      if (call.resetAt === undefined) {
        if (call.deadline <= now) call.expire();
      } else if (call.resetAt <= now) {
        this.#untrack(call);
        if (!call.stream.closed) call.stream.close(http2.constants.NGHTTP2_CANCEL);
      }
    }
  }

  /** The open connection, a new one, or undefined during the back-off after a failed one. */
  #currentSession(): http2.ClientHttp2Session | undefined {
    if (this.#session && !this.#session.closed && !this.#session.destroyed) return this.#session;
    if (this.#lastFailure && Date.now() - this.#lastFailure.at < RECONNECT_BACKOFF_MS) return undefined;
    const { tlsRootCertPem, serverName } = this.#target;
    const url = `${tlsRootCertPem ? 'https' : 'http'}://${this.#target.endpoint}`;
    const session = tlsRootCertPem
      ? http2.connect(url, { ca: tlsRootCertPem, servername: serverName, ALPNProtocols: ['h2'] })
      : http2.connect(url);
    this.#session = session;
    let connected = false;
    this.#connected = new Promise<void>((r) => {
      session.once('connect', () => {
        connected = true;
        this.#lastFailure = undefined;
        r();
      });
      session.once('close', () => r());
    });
    session.on('error', (err: Error) => {
      // A connection that could not be made starts the back-off: calls fail at once, with this
      // reason, instead of each trying again. One that was up and broke is reopened by the next call.
      if (!connected) this.#lastFailure = { at: Date.now(), why: err.message };
      if (this.#session === session) this.#dropSession();
    });
    session.on('goaway', () => {
      // New calls go to a new connection; the ones in flight finish on this one.
      if (this.#session === session) this.#session = undefined;
    });
    session.on('close', () => {
      if (this.#session === session) this.#dropSession();
    });
    if (this.#live.size === 0) session.unref();
    this.#startKeepalive(session);
    return session;
  }

  #startKeepalive(session: http2.ClientHttp2Session): void {
    const every = this.#target.keepaliveMs;
    if (!every) return;
    const timeout = this.#target.keepaliveTimeoutMs ?? 20_000;
    let waiting = false; // one PING at a time
    const pinger = setInterval(() => {
      if (session.destroyed || session.closed) return clearInterval(pinger); // its 'close' is yet to come
      if (waiting) return;
      waiting = true;
      const timer = setTimeout(() => session.destroy(new Error(`no PING answer within ${timeout} ms`)), timeout).unref();
      session.ping(() => {
        waiting = false;
        clearTimeout(timer);
      });
    }, every).unref();
    session.once('close', () => clearInterval(pinger));
  }

  #dropSession(): void {
    const session = this.#session;
    this.#session = undefined;
    if (session && !session.destroyed) session.destroy();
  }
}

type StatusListener = (code: number, details: string, metadata: Metadata) => void;

/** gRPC status from trailers (or a trailers-only answer's headers). */
function statusOf(head: http2.IncomingHttpHeaders): { code: number; details: string; metadata: Metadata } {
  const raw = Number(head['grpc-status']);
  const code = Number.isInteger(raw) && GrpcStatus[raw] !== undefined ? raw : GrpcStatus.UNKNOWN;
  const message = head['grpc-message'];
  let details = typeof message === 'string' ? message : '';
  try {
    details = decodeURIComponent(details);
  } catch {
    // Not percent-encoded as the spec asks: shown as sent.
  }
  const metadata = new Metadata();
  const statusDetails = head['grpc-status-details-bin'];
  for (const value of [statusDetails].flat()) {
    if (typeof value === 'string') metadata.add('grpc-status-details-bin', Buffer.from(value, 'base64'));
  }
  return { code, details, metadata };
}

/** gRPC code of a stream the server reset, as gRPC's HTTP/2 spec maps RST_STREAM codes. */
function codeOfReset(rst: number | undefined): number {
  const c = http2.constants;
  switch (rst) {
    case undefined:
    case c.NGHTTP2_NO_ERROR:
      return GrpcStatus.UNAVAILABLE;
    case c.NGHTTP2_REFUSED_STREAM:
      return GrpcStatus.UNAVAILABLE;
    case c.NGHTTP2_CANCEL:
      return GrpcStatus.CANCELLED;
    case c.NGHTTP2_ENHANCE_YOUR_CALM:
      return GrpcStatus.RESOURCE_EXHAUSTED;
    case c.NGHTTP2_INADEQUATE_SECURITY:
      return GrpcStatus.PERMISSION_DENIED;
    default:
      return GrpcStatus.INTERNAL;
  }
}

/** Cuts a stream of DATA chunks into gRPC messages, which may span chunks or share one. */
export class MessageReader {
  readonly #max: number;
  readonly #onMessage: (message: Buffer) => void;
  #pending: Buffer[] = [];
  #pendingBytes = 0;

  constructor(maxBytes: number, onMessage: (message: Buffer) => void) {
    this.#max = maxBytes;
    this.#onMessage = onMessage;
  }

  /** Takes one chunk; an error when a message is compressed (never asked for) or too large. */
  push(chunk: Buffer): Http2ServiceError | undefined {
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.length;
    while (this.#pendingBytes >= 5) {
      const head = this.#peek(5);
      if (head[0] !== 0) return serviceError(GrpcStatus.INTERNAL, 'a compressed message arrived, and no compression was offered');
      const length = head.readUInt32BE(1);
      if (this.#max >= 0 && length > this.#max) {
        return serviceError(GrpcStatus.RESOURCE_EXHAUSTED, `Received message larger than max (${length} vs. ${this.#max})`);
      }
      if (this.#pendingBytes < 5 + length) return undefined;
      const whole = this.#take(5 + length);
      this.#onMessage(whole.subarray(5));
    }
    return undefined;
  }

  #peek(n: number): Buffer {
    const first = this.#pending[0];
    if (first.length >= n) return first;
    const joined = Buffer.concat(this.#pending);
    this.#pending = [joined];
    return joined;
  }

  #take(n: number): Buffer {
    const joined = this.#peek(n);
    const rest = joined.subarray(n);
    this.#pending = rest.length > 0 ? [rest] : [];
    this.#pendingBytes -= n;
    return joined.subarray(0, n);
  }
}
