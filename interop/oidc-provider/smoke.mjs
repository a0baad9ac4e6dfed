#!/usr/bin/env node
// Smoke client for the oidc-provider interop fixture, independent of the Rust harness: it signs
// with the npm `jose` package and speaks plain HTTP through node:http (which, unlike fetch, can
// send a header as two field lines).
//
// Usage:
//   node smoke.mjs (--ready JSON | --ready-file FILE | --issuer URL) --attester-key FILE
//                  [--client-id ID] [--dpop-client-id ID] [--redirect-uri URI] [--timeout-ms N]
//
// One JSON line per case on stdout. A case is
//   accept  - a valid request; it must get 200 (token) / 201 (PAR),
//   reject  - an invalid request; it must get an error status (and the listed error code),
//   observe - a point where draft-10 is silent, ambiguous, or where oidc-provider is known to
//             differ from draft-10: the outcome is recorded, never judged.
// Exit status: 0 when every accept/reject case met its expectation, 1 otherwise, 2 on bad usage
// or when the server cannot be reached.

import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { parseArgs } from 'node:util';

import * as jose from 'jose';

function usage(message) {
  process.stderr.write(`smoke.mjs: ${message}\n`);
  process.exit(2);
}

let args;
try {
  ({ values: args } = parseArgs({
    options: {
      ready: { type: 'string' },
      'ready-file': { type: 'string' },
      issuer: { type: 'string' },
      'attester-key': { type: 'string' },
      'client-id': { type: 'string' },
      'dpop-client-id': { type: 'string' },
      'redirect-uri': { type: 'string' },
      'timeout-ms': { type: 'string', default: '5000' },
    },
    strict: true,
  }));
} catch (err) {
  usage(err.message);
}
const timeoutMs = Number(args['timeout-ms']);
if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) usage('bad --timeout-ms');
if (!args['attester-key']) usage('--attester-key FILE is required');

// ---------------------------------------------------------------- HTTP

function request(method, url, headers = {}, form = undefined) {
  return new Promise((resolve, reject) => {
    const body = form === undefined ? '' : new URLSearchParams(form).toString();
    const u = new URL(url);
    const lib = u.protocol === 'https:' ? https : http;
    const req = lib.request(u, {
      method,
      headers: {
        accept: 'application/json',
        ...(form === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
        'content-length': Buffer.byteLength(body),
        ...headers,
      },
      timeout: timeoutMs,
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json;
        try { json = JSON.parse(text); } catch { json = undefined; }
        resolve({ status: res.statusCode, headers: res.headers, json, text });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms: ${method} ${url}`)));
    req.on('error', reject);
    req.end(body);
  });
}

// ---------------------------------------------------------------- target

let ready;
try {
  if (args.ready) ready = JSON.parse(args.ready);
  else if (args['ready-file']) ready = JSON.parse(readFileSync(args['ready-file'], 'utf8').split('\n')[0]);
} catch (err) {
  usage(`cannot parse the ready line: ${err.message}`);
}
const issuer = ready?.issuer ?? args.issuer;
if (!issuer) usage('give --ready, --ready-file or --issuer');

let metadata;
try {
  const res = await request('GET', `${issuer}/.well-known/oauth-authorization-server`);
  if (res.status !== 200 || !res.json) throw new Error(`status ${res.status}`);
  metadata = res.json;
} catch (err) {
  usage(`metadata discovery at ${issuer} failed: ${err.message}`);
}

const tokenEndpoint = ready?.token_endpoint ?? metadata.token_endpoint;
const parEndpoint = ready?.par_endpoint ?? metadata.pushed_authorization_request_endpoint;
const challengeEndpoint = ready?.challenge_endpoint ?? metadata.challenge_endpoint;
const clientId = args['client-id'] ?? ready?.clients?.attest_jwt_client_auth ?? 'abca-client';
const dpopClientId = args['dpop-client-id'] ?? ready?.clients?.attest_jwt_client_auth_dpop ?? 'abca-client-dpop';
const redirectUri = args['redirect-uri'] ?? ready?.redirect_uri ?? 'https://client.example.com/cb';

// ---------------------------------------------------------------- keys and tokens

let attesterJwk;
try {
  attesterJwk = JSON.parse(readFileSync(args['attester-key'], 'utf8'));
  if (attesterJwk.d === undefined) throw new Error('not a private JWK');
} catch (err) {
  usage(`cannot load the attester key: ${err.message}`);
}
const attesterAlg = attesterJwk.alg ?? 'ES256';
const attesterKey = await jose.importJWK(attesterJwk, attesterAlg);

async function newKey() {
  const { publicKey, privateKey } = await jose.generateKeyPair('ES256', { extractable: true });
  const jwk = await jose.exportJWK(publicKey);
  return { privateKey, jwk, privateJwk: await jose.exportJWK(privateKey) };
}
// The Client Instance Key (cnf) and two unrelated keys for the negative cases.
const instance = await newKey();
const otherKey = await newKey();
const rogueAttester = await newKey();
const hmacKey = new TextEncoder().encode(randomUUID() + randomUUID());

const now = () => Math.floor(Date.now() / 1000);

function sign(header, payload, key) {
  return new jose.SignJWT(payload).setProtectedHeader(header).sign(key);
}

// draft-10 §Client Attestation JWT. iat is OPTIONAL in draft-10 but oidc-provider requires it
// (see README), so the valid attestation carries it.
function attestation({
  sub, cnf = instance.jwk, iat = now(), exp = now() + 600, key = attesterKey,
  kid = attesterJwk.kid, typ = 'oauth-client-attestation+jwt', omit = [], extra = {},
} = {}) {
  const payload = {
    sub, iat, exp, cnf: { jwk: cnf }, ...extra,
  };
  for (const claim of omit) delete payload[claim];
  const header = { alg: attesterAlg, typ };
  if (kid !== undefined) header.kid = kid;
  return sign(header, payload, key);
}

// draft-10 §Client Attestation PoP JWT.
function pop({
  aud = issuer, jti = randomUUID(), iat = now(), challenge, key = instance.privateKey,
  typ = 'oauth-client-attestation-pop+jwt', alg = 'ES256', omit = [],
} = {}) {
  const payload = { aud, jti, iat };
  if (challenge !== undefined) payload.challenge = challenge;
  for (const claim of omit) delete payload[claim];
  return sign({ alg, typ }, payload, key);
}

function unsignedPop({ challenge }) {
  const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${enc({ alg: 'none', typ: 'oauth-client-attestation-pop+jwt' })}.${enc({
    aud: issuer, jti: randomUUID(), iat: now(), challenge,
  })}.`;
}

// RFC 9449 §4.2 DPoP proof; in combined mode the attestation challenge travels in `nonce`
// (draft-10 §Verification, DPoP Combined Mode item 5).
function dpopProof({
  htu, key = instance, nonce, extra = {}, iat = now(),
}) {
  const payload = {
    htm: 'POST', htu, iat, jti: randomUUID(), ...extra,
  };
  if (nonce !== undefined) payload.nonce = nonce;
  return sign({ alg: 'ES256', typ: 'dpop+jwt', jwk: key.jwk }, payload, key.privateKey);
}

function tokenForm() {
  return { grant_type: 'client_credentials' };
}

const pkceVerifier = jose.base64url.encode(Buffer.from(randomUUID()));
const pkceChallenge = jose.base64url.encode(
  new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(pkceVerifier))),
);
function parForm(cid) {
  return {
    response_type: 'code',
    client_id: cid,
    redirect_uri: redirectUri,
    state: randomUUID(),
    code_challenge: pkceChallenge,
    code_challenge_method: 'S256',
  };
}

// ---------------------------------------------------------------- runner

async function fetchChallenge() {
  if (!challengeEndpoint) return {};
  const res = await request('POST', challengeEndpoint);
  if (res.status !== 200) throw new Error(`challenge endpoint answered ${res.status}`);
  return {
    challenge: res.json?.attestation_challenge,
    dpopNonce: res.headers['dpop-nonce'],
    cacheControl: res.headers['cache-control'],
  };
}

// Sends build(state), following use_attestation_challenge and use_dpop_nonce once each, as a
// client would (DESIGN.md, Plan step).
async function exchange(build, { prefetch = true, follow = true } = {}) {
  const state = prefetch ? await fetchChallenge() : {};
  const steps = [];
  const followed = new Set();
  for (;;) {
    const { url, headers, form } = await build(state);
    const res = await request('POST', url, headers, form);
    steps.push(res);
    const error = res.json?.error;
    if (follow && res.status === 400 && error === 'use_attestation_challenge'
      && res.headers['oauth-client-attestation-challenge'] && !followed.has(error)) {
      followed.add(error);
      state.challenge = res.headers['oauth-client-attestation-challenge'];
    } else if (follow && res.status === 400 && error === 'use_dpop_nonce'
      && res.headers['dpop-nonce'] && !followed.has(error)) {
      followed.add(error);
      state.dpopNonce = res.headers['dpop-nonce'];
    } else {
      return { res, followed: [...followed], steps };
    }
  }
}

// A rejection means something only when the valid request of the same mode and endpoint was
// accepted in this run (DESIGN.md, Verdicts): a server that rejects everything must not pass.
const controls = new Map();

function summarize(c, { res, followed }) {
  const okStatus = c.endpoint === 'par' ? 201 : 200;
  const controlKey = `${c.mode} ${c.endpoint}`;
  let ok;
  if (c.expect === 'accept') {
    ok = res.status === okStatus && (c.tokenType === undefined || res.json?.token_type === c.tokenType);
    if (c.control) controls.set(controlKey, ok);
  } else if (c.expect === 'reject') {
    ok = controls.get(controlKey) === true
      && res.status >= 400 && res.status < 500
      && (c.errors === undefined || c.errors.includes(res.json?.error))
      && (c.needHeader === undefined || res.headers[c.needHeader] !== undefined);
  }
  return {
    case: c.id,
    mode: c.mode,
    endpoint: c.endpoint,
    expect: c.expect,
    ...(ok === undefined ? {} : { ok }),
    status: res.status,
    error: res.json?.error,
    error_description: res.json?.error_description,
    token_type: res.json?.token_type,
    followed,
    attestation_challenge_header: res.headers['oauth-client-attestation-challenge'] !== undefined,
    dpop_nonce_header: res.headers['dpop-nonce'] !== undefined,
    cache_control: res.headers['cache-control'],
    note: c.note,
  };
}

// Request builders: valid normal-mode and combined-mode requests, with knobs for the mutations.
function normal(endpoint, {
  cid = clientId, att = {}, popOpts = {}, form, extraHeaders = {}, popValue,
} = {}) {
  const url = endpoint === 'par' ? parEndpoint : tokenEndpoint;
  return async (s) => ({
    url,
    headers: {
      'oauth-client-attestation': await attestation({ sub: cid, ...att }),
      'oauth-client-attestation-pop': popValue ? await popValue(s) : await pop({ challenge: s.challenge, ...popOpts }),
      ...(typeof extraHeaders === 'function' ? await extraHeaders(s, url) : extraHeaders),
    },
    form: form ?? (endpoint === 'par' ? parForm(cid) : tokenForm()),
  });
}

function combined(endpoint, {
  cid = dpopClientId, att = {}, dpopOpts = {}, nonceFrom = 'dpopNonce', extraHeaders = {},
} = {}) {
  const url = endpoint === 'par' ? parEndpoint : tokenEndpoint;
  return async (s) => ({
    url,
    headers: {
      'oauth-client-attestation': await attestation({ sub: cid, ...att }),
      dpop: await dpopProof({ htu: url, nonce: nonceFrom ? s[nonceFrom] : undefined, ...dpopOpts }),
      ...(typeof extraHeaders === 'function' ? await extraHeaders(s, url) : extraHeaders),
    },
    form: endpoint === 'par' ? parForm(cid) : tokenForm(),
  });
}

const N = 'attest_jwt_client_auth';
const C = 'attest_jwt_client_auth_dpop';

const cases = [
  // ---- valid requests (positive controls)
  {
    id: 'normal-token', mode: N, endpoint: 'token', expect: 'accept', tokenType: 'Bearer', control: true, build: normal('token'),
  },
  {
    id: 'normal-token-challenge-via-error', mode: N, endpoint: 'token', expect: 'accept', tokenType: 'Bearer',
    opts: { prefetch: false }, build: normal('token'),
    note: 'no challenge endpoint call: the server must answer use_attestation_challenge with the header, then accept',
  },
  { id: 'normal-par', mode: N, endpoint: 'par', expect: 'accept', control: true, build: normal('par') },
  {
    id: 'combined-token', mode: C, endpoint: 'token', expect: 'accept', tokenType: 'DPoP', control: true, build: combined('token'),
  },
  {
    id: 'combined-token-nonce-via-error', mode: C, endpoint: 'token', expect: 'accept', tokenType: 'DPoP',
    opts: { prefetch: false }, build: combined('token'),
    note: 'no challenge endpoint call: the server must answer use_dpop_nonce with DPoP-Nonce, then accept',
  },
  { id: 'combined-par', mode: C, endpoint: 'par', expect: 'accept', control: true, build: combined('par') },
  {
    id: 'combined-token-cnf-extra-members', mode: C, endpoint: 'token', expect: 'accept', tokenType: 'DPoP',
    build: combined('token', { att: { cnf: { kid: 'k1', use: 'sig', alg: 'ES256', key_ops: ['verify'], ...instance.jwk } } }),
    note: 'DESIGN stance: cnf.jwk matched to the DPoP jwk on key material (RFC 7638), extra members and order irrelevant',
  },
  {
    id: 'normal-token-independent-dpop', mode: N, endpoint: 'token', expect: 'accept', tokenType: 'DPoP',
    build: normal('token', { extraHeaders: async (s, url) => ({ dpop: await dpopProof({ htu: url, key: otherKey, nonce: s.dpopNonce }) }) }),
    note: 'draft-10 §DPoP combined mode: alongside a PoP, the DPoP key need not match cnf',
  },
  {
    id: 'normal-token-attestation-unknown-claim', mode: N, endpoint: 'token', expect: 'accept', tokenType: 'Bearer',
    build: normal('token', { att: { extra: { 'x-abca-unknown': { nested: [1, 2] } } } }),
    note: 'draft-10 §Client Attestation JWT rule 1: claims not understood MUST be ignored',
  },

  // ---- invalid requests
  {
    id: 'normal-token-pop-aud-token-endpoint', mode: N, endpoint: 'token', expect: 'reject', errors: ['invalid_client'],
    build: normal('token', { popOpts: { aud: tokenEndpoint } }),
  },
  {
    id: 'normal-token-pop-aud-other', mode: N, endpoint: 'token', expect: 'reject', errors: ['invalid_client'],
    build: normal('token', { popOpts: { aud: 'https://as.other.example' } }),
  },
  {
    id: 'normal-token-no-pop', mode: N, endpoint: 'token', expect: 'reject', errors: ['invalid_client'],
    build: async () => ({
      url: tokenEndpoint,
      headers: { 'oauth-client-attestation': await attestation({ sub: clientId }) },
      form: tokenForm(),
    }),
  },
  {
    id: 'normal-par-no-pop', mode: N, endpoint: 'par', expect: 'reject', errors: ['invalid_client'],
    build: async () => ({
      url: parEndpoint,
      headers: { 'oauth-client-attestation': await attestation({ sub: clientId }) },
      form: parForm(clientId),
    }),
  },
  {
    id: 'normal-token-pop-not-signed-by-cnf', mode: N, endpoint: 'token', expect: 'reject', errors: ['invalid_client'],
    build: normal('token', { popOpts: { key: otherKey.privateKey } }),
  },
  {
    id: 'normal-token-pop-alg-none', mode: N, endpoint: 'token', expect: 'reject', errors: ['invalid_client'],
    build: normal('token', { popValue: (s) => unsignedPop({ challenge: s.challenge }) }),
  },
  {
    id: 'normal-token-pop-hs256', mode: N, endpoint: 'token', expect: 'reject', errors: ['invalid_client'],
    build: normal('token', { popOpts: { alg: 'HS256', key: hmacKey } }),
  },
  {
    id: 'normal-token-pop-no-jti', mode: N, endpoint: 'token', expect: 'reject', errors: ['invalid_client'],
    build: normal('token', { popOpts: { omit: ['jti'] } }),
  },
  {
    id: 'normal-token-pop-no-iat', mode: N, endpoint: 'token', expect: 'reject', errors: ['invalid_client'],
    build: normal('token', { popOpts: { omit: ['iat'] } }),
  },
  {
    id: 'normal-token-attestation-no-sub', mode: N, endpoint: 'token', expect: 'reject',
    build: normal('token', { att: { omit: ['sub'] }, form: { ...tokenForm(), client_id: clientId } }),
  },
  {
    id: 'normal-token-attestation-exp-string', mode: N, endpoint: 'token', expect: 'reject', errors: ['invalid_client'],
    build: normal('token', { att: { exp: String(now() + 600) } }),
  },
  {
    id: 'normal-token-attestation-cnf-private', mode: N, endpoint: 'token', expect: 'reject', errors: ['invalid_client'],
    build: normal('token', { att: { cnf: instance.privateJwk } }),
  },
  {
    id: 'normal-token-attestation-malformed', mode: N, endpoint: 'token', expect: 'reject',
    build: async (s) => {
      const base = await normal('token')(s);
      return { ...base, headers: { ...base.headers, 'oauth-client-attestation': 'bm90LWpzb24.bm90LWpzb24.c2ln' } };
    },
    note: 'not base64url JSON: any 4xx, not a 500',
  },
  {
    id: 'combined-token-dpop-htu-mismatch', mode: C, endpoint: 'token', expect: 'reject',
    build: async (s) => {
      const base = await combined('token')(s);
      return { ...base, headers: { ...base.headers, dpop: await dpopProof({ htu: parEndpoint, nonce: s.dpopNonce }) } };
    },
  },
  {
    id: 'normal-token-pop-wrong-challenge', mode: N, endpoint: 'token', expect: 'reject',
    errors: ['use_attestation_challenge'], needHeader: 'oauth-client-attestation-challenge',
    opts: { follow: false }, build: normal('token', { popOpts: { challenge: 'not-a-server-challenge' } }),
  },
  {
    id: 'normal-token-attestation-untrusted-signer', mode: N, endpoint: 'token', expect: 'reject', errors: ['invalid_client'],
    build: normal('token', { att: { key: rogueAttester.privateKey } }),
  },
  {
    id: 'normal-token-attestation-expired', mode: N, endpoint: 'token', expect: 'reject', errors: ['invalid_client'],
    build: normal('token', { att: { iat: now() - 7200, exp: now() - 3600 } }),
  },
  {
    id: 'normal-token-attestation-no-typ', mode: N, endpoint: 'token', expect: 'reject', errors: ['invalid_client'],
    build: normal('token', { att: { typ: 'JWT' } }),
  },
  {
    id: 'normal-token-client-id-mismatch', mode: N, endpoint: 'token', expect: 'reject',
    build: normal('token', { form: { ...tokenForm(), client_id: dpopClientId } }),
    note: 'form client_id differs from the attestation sub (draft-10 §Verification, Client Attestation JWT item 7)',
  },
  {
    id: 'normal-token-method-not-registered', mode: N, endpoint: 'token', expect: 'reject', errors: ['invalid_client'],
    build: normal('token', { cid: dpopClientId }),
    note: 'a PoP-mode request for the client registered with attest_jwt_client_auth_dpop',
  },
  {
    id: 'combined-token-method-not-registered', mode: C, endpoint: 'token', expect: 'reject', errors: ['invalid_client'],
    build: combined('token', { cid: clientId }),
    note: 'a combined-mode request for the client registered with attest_jwt_client_auth',
  },
  {
    id: 'combined-token-dpop-key-not-cnf', mode: C, endpoint: 'token', expect: 'reject', errors: ['invalid_client'],
    build: combined('token', { dpopOpts: { key: otherKey } }),
  },
  {
    id: 'combined-par-dpop-key-not-cnf', mode: C, endpoint: 'par', expect: 'reject', errors: ['invalid_client'],
    build: combined('par', { dpopOpts: { key: otherKey } }),
  },
  {
    id: 'combined-token-stray-bad-pop', mode: C, endpoint: 'token', expect: 'reject',
    build: combined('token', {
      cid: clientId,
      extraHeaders: async (s) => ({ 'oauth-client-attestation-pop': await pop({ challenge: s.challenge, key: otherKey.privateKey }) }),
    }),
    note: 'a PoP header makes it normal mode (draft-10 §Verification): a bad PoP next to a good DPoP must fail',
  },
  {
    id: 'combined-token-no-nonce', mode: C, endpoint: 'token', expect: 'reject',
    errors: ['use_dpop_nonce'], needHeader: 'dpop-nonce', opts: { follow: false },
    build: combined('token', { nonceFrom: null }),
  },

  // ---- observations (recorded, not judged)
  {
    id: 'normal-token-pop-aud-array', mode: N, endpoint: 'token', expect: 'observe',
    build: normal('token', { popOpts: { aud: [issuer] } }),
    note: 'draft-10 silent on a one-element aud array',
  },
  {
    id: 'normal-token-pop-iat-24h-old', mode: N, endpoint: 'token', expect: 'observe',
    build: normal('token', { popOpts: { iat: now() - 86400 } }),
    note: 'fresh server challenge, stale iat: draft-10 allows freshness "by either iat or challenge"',
  },
  {
    id: 'normal-token-pop-iat-1h-future', mode: N, endpoint: 'token', expect: 'observe',
    build: normal('token', { popOpts: { iat: now() + 3600 } }),
  },
  {
    id: 'normal-token-attestation-without-iat', mode: N, endpoint: 'token', expect: 'observe',
    build: normal('token', { att: { omit: ['iat'] } }),
    note: 'iat is OPTIONAL in the draft-10 Client Attestation JWT',
  },
  {
    id: 'normal-token-pop-typ-media-type-form', mode: N, endpoint: 'token', expect: 'observe',
    build: normal('token', { popOpts: { typ: 'application/oauth-client-attestation-pop+jwt' } }),
  },
  {
    id: 'combined-token-dpop-iat-24h-old', mode: C, endpoint: 'token', expect: 'observe',
    build: combined('token', { dpopOpts: { iat: now() - 86400 } }),
    note: 'valid server nonce, stale DPoP iat: RFC 9449 §11.1 lets a nonce stand in for iat freshness',
  },
  {
    id: 'combined-token-attestation-challenge-as-nonce', mode: C, endpoint: 'token', expect: 'observe',
    opts: { follow: false }, build: combined('token', { nonceFrom: 'challenge' }),
    note: 'draft-10: a challenge from the challenge endpoint goes in the DPoP nonce claim',
  },
  {
    id: 'combined-token-challenge-claim-not-nonce', mode: C, endpoint: 'token', expect: 'observe',
    opts: { follow: false },
    build: async (s) => combined('token', { nonceFrom: null, dpopOpts: { extra: { challenge: s.challenge } } })(s),
  },
  {
    id: 'normal-token-attestation-quoted', mode: N, endpoint: 'token', expect: 'observe',
    build: async (s) => {
      const base = await normal('token')(s);
      return { ...base, headers: { ...base.headers, 'oauth-client-attestation': `"${base.headers['oauth-client-attestation']}"` } };
    },
    note: 'draft-10: the field value is token68; a quoted JWT is not',
  },
  {
    id: 'normal-token-attestation-two-field-lines', mode: N, endpoint: 'token', expect: 'observe',
    build: async (s) => {
      const base = await normal('token')(s);
      const a = base.headers['oauth-client-attestation'];
      return { ...base, headers: { ...base.headers, 'oauth-client-attestation': [a, a] } };
    },
    note: 'draft-10 requires precisely one OAuth-Client-Attestation field',
  },
  {
    id: 'combined-token-two-dpop-field-lines', mode: C, endpoint: 'token', expect: 'observe',
    build: async (s) => {
      const base = await combined('token')(s);
      return { ...base, headers: { ...base.headers, dpop: [base.headers.dpop, await dpopProof({ htu: tokenEndpoint, nonce: s.dpopNonce })] } };
    },
  },
];

// Cases that need more than one request: the identical request (same PoP / DPoP proof) twice.
async function replayCase(c) {
  const req = await c.build(await fetchChallenge());
  const first = await request('POST', req.url, req.headers, req.form);
  if (first.status !== 200) return { ...summarize(c, { res: first, followed: [] }), ok: false, note: 'first use was not accepted' };
  return summarize(c, { res: await request('POST', req.url, req.headers, req.form), followed: [] });
}
const replayCases = [
  {
    id: 'normal-token-pop-jti-replay', mode: N, endpoint: 'token', expect: 'reject', errors: ['invalid_client'],
    build: normal('token'), note: 'the identical PoP sent a second time',
  },
  {
    id: 'combined-token-dpop-jti-replay', mode: C, endpoint: 'token', expect: 'reject',
    build: combined('token'), note: 'the identical combined-mode DPoP proof sent a second time',
  },
];

async function challengeReuseCase() {
  const c = {
    id: 'normal-token-challenge-reused', mode: N, endpoint: 'token', expect: 'observe',
    note: 'same server challenge, fresh jti, second request',
  };
  const { challenge } = await fetchChallenge();
  const send = async () => request('POST', tokenEndpoint, {
    'oauth-client-attestation': await attestation({ sub: clientId }),
    'oauth-client-attestation-pop': await pop({ challenge }),
  }, tokenForm());
  const first = await send();
  if (first.status !== 200) return { ...summarize(c, { res: first, followed: [] }), note: 'first use was not accepted' };
  return summarize(c, { res: await send(), followed: [] });
}

async function challengeEndpointCase() {
  const res = await request('POST', challengeEndpoint);
  const ok = res.status === 200 && typeof res.json?.attestation_challenge === 'string'
    && /(^|,)\s*no-store\s*(,|$)/i.test(res.headers['cache-control'] ?? '');
  return {
    case: 'challenge-endpoint', mode: null, endpoint: 'challenge', expect: 'accept', ok,
    status: res.status, body_keys: Object.keys(res.json ?? {}), cache_control: res.headers['cache-control'],
    attestation_challenge_header: res.headers['oauth-client-attestation-challenge'] !== undefined,
    dpop_nonce_header: res.headers['dpop-nonce'] !== undefined,
  };
}

let failures = 0;
let judged = 0;
function emit(line) {
  process.stdout.write(`${JSON.stringify(line)}\n`);
  if (line.ok !== undefined) {
    judged += 1;
    if (!line.ok) failures += 1;
  }
}

try {
  emit(await challengeEndpointCase());
  for (const c of cases) {
    if ((c.endpoint === 'par' && !parEndpoint)) {
      emit({ case: c.id, mode: c.mode, endpoint: c.endpoint, expect: c.expect, skipped: 'no PAR endpoint advertised' });
      continue;
    }
    emit(summarize(c, await exchange(c.build, c.opts)));
  }
  for (const c of replayCases) emit(await replayCase(c));
  emit(await challengeReuseCase());
} catch (err) {
  process.stderr.write(`smoke.mjs: ${err.stack ?? err}\n`);
  process.exit(2);
}

process.stderr.write(`smoke.mjs: ${judged - failures}/${judged} judged cases as expected\n`);
process.exit(failures === 0 ? 0 : 1);
