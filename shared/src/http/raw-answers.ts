import { PROBLEM_CONTENT_TYPE, toProblem, type Problem } from '../errors.js';

/**
 * Answers written straight onto a socket, where no framework response exists: a refused WebSocket upgrade and a
 * request Node's HTTP parser could not read (an oversized header, a malformed request line). Both leave as a plain
 * HTTP/1.1 response with a problem+json body, then the socket is closed; neither can throw.
 */

/** The part of a socket these answers use (a `net.Socket` or the `Duplex` of an upgrade). */
export interface RawSocket {
  readonly writable: boolean;
  readonly destroyed: boolean;
  end(data: string, cb?: () => void): unknown;
  destroy(): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

const REASON: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  408: 'Request Timeout',
  413: 'Content Too Large',
  414: 'URI Too Long',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** A complete HTTP/1.1 response carrying `problem`, closing the connection. */
export function rawProblemResponse(problem: Problem): string {
  const body = JSON.stringify(problem);
  return (
    `HTTP/1.1 ${problem.status} ${REASON[problem.status] ?? 'Error'}\r\n` +
    `Content-Type: ${PROBLEM_CONTENT_TYPE}; charset=utf-8\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    'Connection: close\r\n\r\n' +
    body
  );
}

/**
 * From the first moment a handler owns a raw socket: a peer that resets it mid-way emits `error`, and an `error`
 * event with no listener ends the process. Call before any await.
 */
export function guardSocket(socket: RawSocket, onError: (err: Error) => void = () => undefined): void {
  socket.on('error', onError);
}

/**
 * Refuses a WebSocket upgrade: `err` (an AppError gives its status and message; anything else a 500 that reveals
 * nothing) as problem+json, then the socket is destroyed.
 */
export function rejectUpgrade(socket: RawSocket, err: unknown, instance?: string): void {
  if (socket.destroyed) return;
  if (!socket.writable) return void socket.destroy();
  socket.end(rawProblemResponse(toProblem(err, instance)), () => socket.destroy());
}

interface ParserError extends Error {
  readonly code?: string;
}

/**
 * For the HTTP server's `clientError` event (`server.on('clientError', answerClientError)`): Node's own answer is a
 * bare `431` or `400` with no body; ours says what was wrong as problem+json. A socket already answering (a response
 * under way) or already gone is only destroyed, as Node does.
 */
export function answerClientError(err: ParserError, socket: RawSocket): void {
  const inFlight = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (err.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) return void socket.destroy();
  const [status, title, detail] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [
          431,
          'Request header fields too large',
          'the request headers are larger than this server accepts (16 KiB in all)',
        ]
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request timeout', 'the request was not received in time']
        : [400, 'Invalid request', `the request is not valid HTTP/1.1 (${err.code ?? 'unreadable'})`];
  const type =
    status === 431
      ? 'urn:storefleet:problem:header-too-large'
      : status === 408
        ? 'urn:storefleet:problem:request-timeout'
        : 'urn:storefleet:problem:validation';
  guardSocket(socket);
  socket.end(rawProblemResponse({ type, title, status, detail }), () => socket.destroy());
}
