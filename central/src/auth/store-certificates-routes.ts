import type { TLSSocket } from 'node:tls';
import { Router, type Request } from 'express';
import { z } from 'zod';
import { apiDoc, markSecretAnswer, parseOrThrow, uuidSchema } from '@storefleet/shared';
import { principalOf, requireRole } from '../kernel/access.js';
import { normalFingerprint, type PeerCertificate, type StoreCertificates } from './store-certificates.js';

const storeParam = z.object({ id: uuidSchema });
const certificateParam = z.object({
  id: uuidSchema,
  fingerprint: z
    .string()
    .regex(/^([0-9a-fA-F]{2}:){31}[0-9a-fA-F]{2}$|^[0-9a-fA-F]{64}$/, 'a sha256 fingerprint: 64 hex digits'),
});
const registerBody = z.strictObject({ pem: z.string().min(1).max(16_384) });
const policyBody = z.strictObject({ required: z.boolean() });
const certificateTokenBody = z.strictObject({ storeId: uuidSchema });

const certificateAnswer = z.object({
  storeId: z.string(),
  fingerprint: z.string(),
  subject: z.string(),
  issuer: z.string(),
  serial: z.string(),
  notBefore: z.number(),
  notAfter: z.number(),
  registeredAt: z.number(),
  expired: z.boolean(),
});

/** What the request's TLS connection says of the client's certificate (nothing on plain HTTP). */
export function peerCertificateOf(req: Request): PeerCertificate {
  const socket = req.socket as Partial<TLSSocket>;
  if (!socket.encrypted || typeof socket.getPeerCertificate !== 'function')
    return { present: false, authorized: false };
  const peer = socket.getPeerCertificate();
  if (!peer?.fingerprint256) return { present: false, authorized: false };
  const error = socket.authorizationError;
  return {
    present: true,
    authorized: socket.authorized === true,
    error: error === undefined || error === null ? undefined : String((error as Error).message ?? error),
    fingerprint: normalFingerprint(peer.fingerprint256),
  };
}

/**
 * Stores' client certificates (issue #27): an ADMIN registers, lists and deletes them and sets whether a store must
 * use one; a store trades a registered one, presented on its TLS connection, for a token (public route).
 */
export function storeCertificateRoutes(certs: StoreCertificates): Router {
  const r = Router();
  r.post(
    '/stores/:id/certificates',
    apiDoc({
      summary: 'Register a store’s client certificate (mutual TLS)',
      description:
        'The PEM of one certificate signed by the hub’s client CA (TLS_CLIENT_CA_FILE), for client authentication, ' +
        'unexpired; never its key. At most 3 unexpired per store. Only its fingerprint, names and dates are kept.',
      tags: ['auth'],
      params: storeParam,
      body: registerBody,
      responses: {
        201: certificateAnswer,
        404: 'no such store, or mutual TLS is off',
        409: 'already registered, or 3 unexpired already',
        422: 'not signed by the client CA, expired, or not a client certificate',
      },
      access: ['admin'],
    }),
    requireRole('ADMIN'),
    async (req, res) => {
      const { id } = parseOrThrow(storeParam, req.params, 'store id');
      const { pem } = parseOrThrow(registerBody, req.body, 'certificate');
      const by = principalOf(req);
      res.status(201).json(await certs.register(id, pem, by.kind === 'user' ? by.userId : null));
    },
  );
  r.get(
    '/stores/:id/certificates',
    apiDoc({
      summary: 'A store’s registered client certificates and whether it must present one',
      tags: ['auth'],
      params: storeParam,
      responses: { 200: z.object({ items: z.array(certificateAnswer), required: z.boolean() }) },
      access: ['admin'],
    }),
    requireRole('ADMIN'),
    async (req, res) => {
      const { id } = parseOrThrow(storeParam, req.params, 'store id');
      res.json(await certs.list(id));
    },
  );
  r.delete(
    '/stores/:id/certificates/:fingerprint',
    apiDoc({
      summary: 'Delete a store’s client certificate (the end of a rotation)',
      description: 'A store that must present a certificate keeps at least one valid one (409 otherwise).',
      tags: ['auth'],
      params: certificateParam,
      responses: { 204: 'Deleted', 409: 'the last valid certificate of a store that must present one' },
      access: ['admin'],
    }),
    requireRole('ADMIN'),
    async (req, res) => {
      const { id, fingerprint } = parseOrThrow(certificateParam, req.params, 'certificate');
      await certs.remove(id, fingerprint);
      res.status(204).end();
    },
  );
  r.patch(
    '/stores/:id/certificate-policy',
    apiDoc({
      summary: 'Whether a store must present its client certificate (its secret refused)',
      tags: ['auth'],
      params: storeParam,
      body: policyBody,
      responses: {
        200: z.object({ storeId: z.string(), required: z.boolean() }),
        409: 'required with no valid certificate registered',
      },
      access: ['admin'],
    }),
    requireRole('ADMIN'),
    async (req, res) => {
      const { id } = parseOrThrow(storeParam, req.params, 'store id');
      const { required } = parseOrThrow(policyBody, req.body, 'certificate policy');
      res.json(await certs.setPolicy(id, required));
    },
  );
  r.post(
    '/auth/store-token/certificate',
    apiDoc({
      summary: 'A store node trades its client certificate (mutual TLS) for a short-lived store token',
      description:
        'The TLS connection’s certificate must be authorized by the hub’s client CA and registered for the store. ' +
        '404 when the hub has no client CA (the store uses its secret). The answer carries the hub’s clock.',
      tags: ['auth'],
      body: certificateTokenBody,
      responses: { 200: 'The token, its expiry and the hub’s time', 401: 'no, or no acceptable, certificate' },
      access: ['public'],
    }),
    async (req, res) => {
      const { storeId } = parseOrThrow(certificateTokenBody, req.body, 'store');
      const token = await certs.token(storeId, peerCertificateOf(req));
      markSecretAnswer(res);
      res.json({ ...token, serverTime: certs.auth.now() });
    },
  );
  return r;
}
