#!/usr/bin/env node
// Interop fixture: Animo's @openid4vc/oauth2 (oid4vc-ts) as the client authentication of a
// minimal token endpoint. The library is not a server; this script only feeds it the request's
// headers and maps its answer to HTTP, so the suite measures the LIBRARY's checks.
//
// Usage:
//   node server.mjs --attester-jwks FILE [--port N] [--client-id ID] [--ttl SECONDS]
// Environment fallbacks: PORT, ABCA_ATTESTER_JWKS, ABCA_CLIENT_ID.
//
// stdout carries exactly one line, a JSON object, once the server answers requests; everything
// else goes to stderr (one JSON line per rejected request, with the library's message).
//
// Grants at POST /token: client_credentials (the fixture calls verifyClientAttestation itself),
// and the OpenID4VCI pre-authorized code grant and refresh_token, both parsed and verified by the
// library's token-request API (parseAccessTokenRequest, verifyPreAuthorizedCodeAccessTokenRequest,
// verifyRefreshTokenAccessTokenRequest, createAccessTokenResponse). POST /test/offer mints a
// pre-authorized code (test-only: a credential issuer's back office puts one in an offer).

import { randomBytes, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { parseArgs } from 'node:util';

import * as jose from 'jose';
import {
  Oauth2AuthorizationServer,
  Oauth2ServerErrorResponseError,
  isJwkInSet,
  setGlobalConfig,
} from '@openid4vc/oauth2';

const HOST = '127.0.0.1';
const PRE_AUTHORIZED_CODE = 'urn:ietf:params:oauth:grant-type:pre-authorized_code';
// Lifetimes of the grant artifacts this fixture keeps (in memory).
const PRE_AUTHORIZED_CODE_TTL_SECONDS = 300;
const REFRESH_TOKEN_TTL_SECONDS = 3600;
const ACCESS_TOKEN_TTL_SECONDS = 300;
// Bounds on the in-memory stores, so a long-running fixture cannot grow without limit.
const MAX_STORED = 10000;
// Algorithms our verifyJwt callback (npm jose) accepts for the attestation and the PoP; the
// library itself only refuses `none` (zAlgValueNotNone in dist/index.mjs).
const ALGS = ['ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

function fail(message) {
  process.stderr.write(`server.mjs: ${message}\n`);
  process.exit(2);
}

let args;
try {
  ({ values: args } = parseArgs({
    options: {
      port: { type: 'string', default: process.env.PORT ?? '0' },
      'attester-jwks': { type: 'string', default: process.env.ABCA_ATTESTER_JWKS },
      'client-id': { type: 'string', default: process.env.ABCA_CLIENT_ID ?? 'abca-client' },
      ttl: { type: 'string', default: '0' },
    },
    strict: true,
  }));
} catch (err) {
  fail(err.message);
}
const port = Number(args.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`bad --port ${args.port}`);
const ttl = Number(args.ttl);
if (!Number.isFinite(ttl) || ttl < 0) fail(`bad --ttl ${args.ttl}`);
if (!args['attester-jwks']) fail('--attester-jwks FILE (or ABCA_ATTESTER_JWKS) is required');
const clientId = args['client-id'];

// The trusted Client Attester keys (draft-10 §Verification, Client Attestation JWT: "a known
// and trusted Client Attester"). Public keys only.
let attesterJwks;
try {
  attesterJwks = JSON.parse(readFileSync(args['attester-jwks'], 'utf8'));
  if (!Array.isArray(attesterJwks?.keys) || attesterJwks.keys.length === 0) throw new Error('no "keys" array');
  for (const [i, jwk] of attesterJwks.keys.entries()) {
    if (typeof jwk?.kty !== 'string') throw new Error(`keys[${i}] has no kty`);
    if (jwk.d !== undefined || jwk.k !== undefined) throw new Error(`keys[${i}] is not a public key`);
  }
} catch (err) {
  fail(`cannot load attester JWKS ${args['attester-jwks']}: ${err.message}`);
}

// The library validates URLs with zHttpsUrl (@openid4vc/utils), which refuses http:// unless
// this global switch is on; the fixture's issuer is http://127.0.0.1:PORT.
setGlobalConfig({ allowInsecureUrls: true });

async function verifySignature(compact, jwk, alg) {
  const key = await jose.importJWK(jwk, alg);
  await jose.compactVerify(compact, key, { algorithms: ALGS });
}

// The library delegates signature checking AND signer trust to this callback
// (dist/index.mjs `verifyJwt` → `options.verifyJwtCallback(signer, {header, payload, compact})`).
// For the attestation the signer comes from `jwtSignerFromJwt`: `custom` (kid only), `jwk`
// (a key in the JWT header), `x5c`, `did`, `federation`. Only keys of the attester JWKS are
// trusted. For the PoP the library passes `method: 'jwk'` with the attestation's cnf.jwk.
const callbacks = {
  hash: (data, alg) => createHash(alg.replace('-', '').toLowerCase()).update(data).digest(),
  generateRandom: (n) => randomBytes(n),
  async verifyJwt(signer, { header, compact }) {
    try {
      let jwk;
      if (header.typ === 'oauth-client-attestation+jwt') {
        if (signer.method === 'custom') {
          const keys = attesterJwks.keys;
          jwk = signer.kid !== undefined ? keys.find((k) => k.kid === signer.kid) : keys.length === 1 ? keys[0] : undefined;
        } else if (signer.method === 'jwk' && (await isJwkInSet({ jwk: signer.publicJwk, jwks: attesterJwks.keys, callbacks }))) {
          jwk = signer.publicJwk;
        }
      } else if (signer.method === 'jwk') {
        jwk = signer.publicJwk;
      }
      if (!jwk) return { verified: false };
      await verifySignature(compact, jwk, signer.alg);
      return { verified: true, signerJwk: jwk };
    } catch (err) {
      process.stderr.write(`${JSON.stringify({ event: 'verifyJwt', typ: header?.typ, error: err.message })}\n`);
      return { verified: false };
    }
  },
};
// The library's createAccessTokenResponse signs its access token (an RFC 9068 JWT) through a
// signJwt callback; the fixture's AS key is an ephemeral ES256 key made at start-up.
const { privateKey: asPrivateKey, publicKey: asPublicKey } = await jose.generateKeyPair('ES256');
const asSigner = { method: 'jwk', alg: 'ES256', publicJwk: await jose.exportJWK(asPublicKey) };
callbacks.signJwt = async (signer, { header, payload }) => {
  const jwt = await new jose.SignJWT(payload).setProtectedHeader(header).sign(asPrivateKey);
  return { jwt, signerJwk: signer.publicJwk };
};
const authorizationServer = new Oauth2AuthorizationServer({ callbacks });

// The grant artifacts: what a deployment stores. The library compares what the request
// carries with what the caller expects (expectedPreAuthorizedCode, expectedRefreshToken,
// expectedClientId); looking the record up, expiry dates and single use are the caller's part.
// Keyed by the artifact; each record: { clientId, expiresAt }.
const preAuthorizedCodes = new Map();
const refreshTokens = new Map();

function remember(store, key, record) {
  if (store.size >= MAX_STORED) store.delete(store.keys().next().value);
  store.set(key, record);
}

let issuer;
let metadata;

function send(res, status, body, extra = {}) {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...extra });
  res.end(JSON.stringify(body));
}

// The deployment's client checks (not the library's): the attestation's `sub` is the one
// registered client, and a form client_id, when sent, names it too. The error body, or null.
function unknownClient(sub, form) {
  if (sub !== clientId) {
    return { error: 'invalid_client', error_description: `unknown client '${sub}'` };
  }
  const formClientId = form.get('client_id');
  if (formClientId !== null && formClientId !== sub) {
    return {
      error: 'invalid_client',
      error_description: `The client id '${sub}' in the client attestation does not match the client id for the authorization.`,
    };
  }
  return null;
}

function errorBody(err) {
  // The library's own error code and status when it gives one (Oauth2ServerErrorResponseError);
  // anything else from the library (e.g. a zod parse error it did not wrap) is invalid_client.
  if (err instanceof Oauth2ServerErrorResponseError) {
    return { status: err.status ?? 400, body: err.errorResponse };
  }
  return { status: 401, body: { error: 'invalid_client', error_description: String(err?.message ?? err).slice(0, 500) } };
}

async function readBody(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 65536) throw new Error('body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function token(req, res) {
  const form = new URLSearchParams(await readBody(req));
  const grantType = form.get('grant_type');
  if (grantType === PRE_AUTHORIZED_CODE || grantType === 'refresh_token') {
    return await libraryGrant(req, res, form);
  }
  if (grantType !== 'client_credentials') {
    return send(res, 400, {
      error: 'unsupported_grant_type',
      error_description: `supported: client_credentials, ${PRE_AUTHORIZED_CODE}, refresh_token`,
    });
  }
  // Node joins repeated field lines of these headers into one "a, b" value; it is handed to the
  // library as it is.
  const attestation = req.headers['oauth-client-attestation'];
  const pop = req.headers['oauth-client-attestation-pop'];
  if (!attestation || !pop) {
    // draft-10 §Client Attestation as an OAuth Client Authentication: this endpoint knows no
    // other client authentication, and the library implements no combined (DPoP) mode.
    return send(res, 401, {
      error: 'invalid_client',
      error_description: 'OAuth-Client-Attestation and OAuth-Client-Attestation-PoP are required',
    });
  }
  try {
    const { clientAttestation } = await authorizationServer.verifyClientAttestation({
      authorizationServer: issuer,
      clientAttestationJwt: attestation,
      clientAttestationPopJwt: pop,
    });
    const sub = clientAttestation.payload.sub;
    // The client registry is the deployment's part: one client. The form client_id check is
    // what the library does itself in its token-request path when given `expectedClientId`
    // (verifyAccessTokenRequestClientAttestation, 401 invalid_client).
    const refused = unknownClient(sub, form);
    if (refused) return send(res, 401, refused);
    return send(res, 200, { access_token: randomBytes(24).toString('base64url'), token_type: 'Bearer', expires_in: 300 });
  } catch (err) {
    const { status, body } = errorBody(err);
    process.stderr.write(`${JSON.stringify({ event: 'token.error', status, ...body, cause: err?.cause?.message })}\n`);
    return send(res, status, body);
  }
}

// The pre-authorized code and refresh grants, entirely through the library's token-request API
// (src/access-token/parse-access-token-request.ts, verify-access-token-request.ts):
// parseAccessTokenRequest reads the form and both attestation headers; the verify function
// authenticates the client (verifyAccessTokenRequestClientAttestation: attestation, PoP, and
// `sub` = expectedClientId), then compares the code or refresh token with the expected one and
// checks its expiry. The library binds an artifact to a client id (expectedClientId), not to a
// Client Instance key: it takes no expected cnf key for the attestation.
async function libraryGrant(req, res, form) {
  const request = libraryRequest(req, '/token');
  try {
    const parsed = authorizationServer.parseAccessTokenRequest({
      accessTokenRequest: Object.fromEntries(form),
      request,
    });
    if (!parsed.clientAttestation) {
      // As for client_credentials: no other client authentication is configured (the library
      // would otherwise let an attestation-less request through unless `required` is set).
      return send(res, 401, {
        error: 'invalid_client',
        error_description: 'OAuth-Client-Attestation and OAuth-Client-Attestation-PoP are required',
      });
    }
    const isCode = parsed.grant.grantType === PRE_AUTHORIZED_CODE;
    const store = isCode ? preAuthorizedCodes : refreshTokens;
    const artifact = isCode ? parsed.grant.preAuthorizedCode : parsed.grant.refreshToken;
    const record = store.get(artifact);
    // An unknown artifact is still handed to the library, with nothing it can equal, so the
    // client is authenticated first and an unknown or used artifact is the library's
    // invalid_grant.
    const common = {
      authorizationServerMetadata: metadata,
      accessTokenRequest: parsed.accessTokenRequest,
      request,
      clientAttestation: {
        ...parsed.clientAttestation,
        required: true,
        expectedClientId: record?.clientId,
      },
    };
    const verified = isCode
      ? await authorizationServer.verifyPreAuthorizedCodeAccessTokenRequest({
          ...common,
          grant: parsed.grant,
          expectedPreAuthorizedCode: record ? artifact : null,
          preAuthorizedCodeExpiresAt: record?.expiresAt,
        })
      : await authorizationServer.verifyRefreshTokenAccessTokenRequest({
          ...common,
          grant: parsed.grant,
          expectedRefreshToken: record ? artifact : null,
          refreshTokenExpiresAt: record?.expiresAt,
        });
    const sub = verified.clientAttestation.clientAttestation.payload.sub;
    // The deployment's checks, as for client_credentials: one registered client, and a form
    // client_id (optional in OpenID4VCI's pre-authorized code request) equal to `sub`.
    const refused = unknownClient(sub, form);
    if (refused) return send(res, 401, refused);
    // A pre-authorized code is redeemed once (the deployment's part; the library only compares).
    // Deleting after the awaits and checking the delete keeps two concurrent redemptions from
    // both succeeding.
    if (isCode && !preAuthorizedCodes.delete(artifact)) {
      return send(res, 400, { error: 'invalid_grant', error_description: "Invalid 'pre-authorized_code' provided" });
    }
    const response = await authorizationServer.createAccessTokenResponse({
      authorizationServer: issuer,
      audience: issuer,
      signer: asSigner,
      subject: sub,
      clientId: sub,
      expiresInSeconds: ACCESS_TOKEN_TTL_SECONDS,
      // The library generates the refresh token (generateRandom); a refresh keeps it.
      refreshToken: isCode ? true : artifact,
    });
    if (isCode) {
      remember(refreshTokens, response.refresh_token, {
        clientId: sub,
        expiresAt: new Date(Date.now() + REFRESH_TOKEN_TTL_SECONDS * 1000),
      });
    }
    return send(res, 200, response);
  } catch (err) {
    const { status, body } = errorBody(err);
    process.stderr.write(`${JSON.stringify({ event: 'token.error', grant: form.get('grant_type'), status, ...body, cause: err?.cause?.message })}\n`);
    return send(res, status, body);
  }
}

// Test-only: POST /test/offer mints a pre-authorized code, as a credential issuer's back office
// does for a credential offer (OpenID4VCI 1.0 §4.1.1), and answers {"pre-authorized_code": ...}.
// A form client_id (what the suite sends) binds the code to that client: the library's only
// binding (expectedClientId); without one the code is any client's.
async function offer(req, res) {
  const form = new URLSearchParams(await readBody(req));
  const formClientId = form.get('client_id');
  if (formClientId !== null && formClientId !== clientId) {
    return send(res, 400, { error: 'invalid_request', error_description: `unknown client '${formClientId}'` });
  }
  const code = randomBytes(24).toString('base64url');
  remember(preAuthorizedCodes, code, {
    clientId: formClientId ?? undefined,
    expiresAt: new Date(Date.now() + PRE_AUTHORIZED_CODE_TTL_SECONDS * 1000),
  });
  return send(res, 200, { 'pre-authorized_code': code });
}

// The request as the library's parse functions want it: a Fetch Headers (which, like Node,
// joins repeated field lines with ", ") and the endpoint URL.
function libraryRequest(req, path) {
  const headers = new Headers();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
  return { method: req.method, url: `${issuer}${path}`, headers };
}

// Pushed Authorization Request (RFC 9126). The library authenticates the client itself here:
// parsePushedAuthorizationRequest reads the headers (extractClientAttestationJwtsFromHeaders),
// verifyPushedAuthorizationRequest verifies attestation + PoP and compares the form client_id
// with sub (verifyAuthorizationRequestClientAttestation), and a DPoP proof if one is sent.
async function par(req, res) {
  const form = Object.fromEntries(new URLSearchParams(await readBody(req)));
  const request = libraryRequest(req, '/par');
  try {
    const parsed = await authorizationServer.parsePushedAuthorizationRequest({ authorizationRequest: form, request });
    if (!parsed.clientAttestation) {
      return send(res, 401, {
        error: 'invalid_client',
        error_description: 'OAuth-Client-Attestation and OAuth-Client-Attestation-PoP are required',
      });
    }
    const { clientAttestation } = await authorizationServer.verifyPushedAuthorizationRequest({
      authorizationRequest: parsed.authorizationRequest,
      authorizationRequestJwt: parsed.authorizationRequestJwt,
      dpop: parsed.dpop,
      clientAttestation: { ...parsed.clientAttestation, required: true },
      authorizationServerMetadata: metadata,
      request,
    });
    if (clientAttestation.clientAttestation.payload.sub !== clientId) {
      return send(res, 401, { error: 'invalid_client', error_description: 'unknown client' });
    }
    const { pushedAuthorizationResponse } = authorizationServer.createPushedAuthorizationResponse({
      requestUri: `urn:ietf:params:oauth:request_uri:${randomBytes(16).toString('base64url')}`,
      expiresInSeconds: 60,
    });
    return send(res, 201, pushedAuthorizationResponse);
  } catch (err) {
    const { status, body } = errorBody(err);
    process.stderr.write(`${JSON.stringify({ event: 'par.error', status, ...body, cause: err?.cause?.message })}\n`);
    return send(res, status, body);
  }
}

const server = http.createServer(async (req, res) => {
  try {
    const path = new URL(req.url, issuer).pathname;
    if (req.method === 'GET' && path === '/.well-known/oauth-authorization-server') return send(res, 200, metadata);
    if (path === '/token') {
      if (req.method !== 'POST') return send(res, 405, { error: 'invalid_request' }, { allow: 'POST' });
      return await token(req, res);
    }
    if (path === '/test/offer') {
      if (req.method !== 'POST') return send(res, 405, { error: 'invalid_request' }, { allow: 'POST' });
      return await offer(req, res);
    }
    if (path === '/par') {
      if (req.method !== 'POST') return send(res, 405, { error: 'invalid_request' }, { allow: 'POST' });
      return await par(req, res);
    }
    return send(res, 404, { error: 'not_found' });
  } catch (err) {
    process.stderr.write(`server.mjs: ${err.stack ?? err}\n`);
    if (!res.headersSent) send(res, 500, { error: 'server_error' });
  }
});

await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(port, HOST, resolve);
}).catch((err) => fail(`cannot listen on ${HOST}:${port}: ${err.message}`));
issuer = `http://${HOST}:${server.address().port}`;
// RFC 8414 metadata. Only normal mode: the library has no combined mode (it requires both
// headers, extractClientAttestationJwtsFromHeaders in dist/index.mjs), no challenge endpoint
// and no server nonce for the PoP. PAR is offered because the library authenticates it itself.
// No DPoP is wired at the token endpoint, so no dpop_signing_alg_values_supported.
metadata = {
  issuer,
  token_endpoint: `${issuer}/token`,
  pushed_authorization_request_endpoint: `${issuer}/par`,
  grant_types_supported: ['client_credentials', PRE_AUTHORIZED_CODE, 'refresh_token'],
  token_endpoint_auth_methods_supported: ['attest_jwt_client_auth'],
  client_attestation_signing_alg_values_supported: ALGS,
  client_attestation_pop_signing_alg_values_supported: ALGS,
};

let lifetimeTimer;
function shutdown(signal) {
  process.stderr.write(`server.mjs: ${signal}, shutting down\n`);
  clearTimeout(lifetimeTimer);
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
if (ttl > 0) {
  // Safety net for test runs: the fixture stops on its own even if its parent died.
  lifetimeTimer = setTimeout(() => shutdown(`ttl ${ttl}s elapsed`), ttl * 1000);
}

let version = null;
try {
  version = JSON.parse(readFileSync(new URL('./node_modules/@openid4vc/oauth2/package.json', import.meta.url), 'utf8')).version;
} catch {
  // reported as null
}
process.stdout.write(`${JSON.stringify({
  issuer,
  metadata_url: `${issuer}/.well-known/oauth-authorization-server`,
  token_endpoint: metadata.token_endpoint,
  par_endpoint: metadata.pushed_authorization_request_endpoint,
  pre_authorized_code_endpoint: `${issuer}/test/offer`,
  clients: { attest_jwt_client_auth: clientId },
  openid4vc_oauth2_version: version,
})}\n`);
