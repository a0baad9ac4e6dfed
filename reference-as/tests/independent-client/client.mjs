// An independent client for the reference AS: every token is built with the `jose` npm
// package, nothing is shared with the Rust code of abca-conformance.
//
//   node client.mjs <issuer> <key-file.json>
//
// The key file holds the client_id, a registered redirect_uri and the trusted attester keys
// (private JWKs or PKCS#8 PEM). Client Instance Keys are generated here. One JSON line is
// printed per case: {"case", "status", "error", "token_type", "request_uri"}; the Rust test
// decides what each case must give.
import { SignJWT, generateKeyPair, exportJWK, importJWK, importPKCS8 } from 'jose';
import { readFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';

const [issuer, keyFile] = process.argv.slice(2);
if (!issuer || !keyFile) {
  console.error('usage: node client.mjs <issuer> <key-file.json>');
  process.exit(2);
}
const cfg = JSON.parse(await readFile(keyFile, 'utf8'));
const TIMEOUT_MS = 10_000;

async function http(url, init = {}) {
  return fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
}

const metadata = await (await http(`${issuer}/.well-known/oauth-authorization-server`)).json();

// Attester keys from the key file.
const attesters = {};
for (const a of cfg.attesters) {
  const key = a.pkcs8 ? await importPKCS8(a.pkcs8, a.alg) : await importJWK(a.jwk, a.alg);
  attesters[a.alg] = { key, kid: a.kid, alg: a.alg };
}

// Client Instance Keys, generated fresh.
async function instanceKey(alg) {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  const jwk = await exportJWK(publicKey);
  return { privateKey, jwk, alg };
}
const es = await instanceKey('ES256');
const ed = await instanceKey('EdDSA');
const ps = await instanceKey('PS256');
const other = await instanceKey('ES256');

const now = () => Math.floor(Date.now() / 1000);

async function attestation({ attAlg = 'ES256', cnf = es.jwk, exp = now() + 3600, signer } = {}) {
  const a = attesters[attAlg];
  return new SignJWT({ sub: cfg.client_id, cnf: { jwk: cnf } })
    .setProtectedHeader({ typ: 'oauth-client-attestation+jwt', alg: a.alg, kid: a.kid })
    .setIssuedAt()
    .setExpirationTime(exp)
    .sign(signer ?? a.key);
}

async function challenge() {
  if (!metadata.challenge_endpoint) return undefined;
  const r = await http(metadata.challenge_endpoint, { method: 'POST' });
  return (await r.json()).attestation_challenge;
}

async function pop(key, { aud = issuer, jti = randomUUID() } = {}) {
  const claims = { aud, jti };
  const c = await challenge();
  if (c) claims.challenge = c;
  return new SignJWT(claims)
    .setProtectedHeader({ typ: 'oauth-client-attestation-pop+jwt', alg: key.alg })
    .setIssuedAt()
    .sign(key.privateKey);
}

async function dpop(key, url, { htu = url, combined = true } = {}) {
  const claims = { htm: 'POST', htu, jti: randomUUID() };
  // Combined mode: the challenge travels in the DPoP nonce claim (draft-10 §Verification
  // DPoP Combined Mode item 5).
  if (combined) {
    const c = await challenge();
    if (c) claims.nonce = c;
  }
  return new SignJWT(claims)
    .setProtectedHeader({ typ: 'dpop+jwt', alg: key.alg, jwk: key.jwk })
    .setIssuedAt()
    .sign(key.privateKey);
}

function form(endpoint) {
  return endpoint === 'par'
    ? new URLSearchParams({
        response_type: 'code',
        client_id: cfg.client_id,
        redirect_uri: cfg.redirect_uri,
        // RFC 7636 Appendix B pair: the reference AS requires PKCE S256 at PAR.
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
      })
    : new URLSearchParams({ grant_type: 'client_credentials' });
}

function endpointUrl(endpoint) {
  return endpoint === 'par' ? metadata.pushed_authorization_request_endpoint : metadata.token_endpoint;
}

async function send(name, endpoint, headers) {
  const r = await http(endpointUrl(endpoint), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: form(endpoint),
  });
  let body = {};
  try {
    body = await r.json();
  } catch {
    body = { error: 'non-JSON body' };
  }
  const line = {
    case: name,
    status: r.status,
    error: body.error ?? null,
    token_type: body.token_type ?? null,
    request_uri: body.request_uri ?? null,
  };
  console.log(JSON.stringify(line));
  return line;
}

async function normal(name, endpoint, { att, popKey = es, popOpts, withDpop } = {}) {
  const headers = {
    'OAuth-Client-Attestation': att ?? (await attestation()),
    'OAuth-Client-Attestation-PoP': await pop(popKey, popOpts),
  };
  if (withDpop) headers.DPoP = await dpop(withDpop, endpointUrl(endpoint), { combined: false });
  return send(name, endpoint, headers);
}

async function combined(name, endpoint, { att, dpopKey = es, dpopOpts } = {}) {
  return send(name, endpoint, {
    'OAuth-Client-Attestation': att ?? (await attestation()),
    DPoP: await dpop(dpopKey, endpointUrl(endpoint), dpopOpts),
  });
}

// Valid requests.
for (const ep of ['token', 'par']) {
  await normal(`normal_${ep}`, ep);
  await combined(`combined_${ep}`, ep);
}
await normal('normal_token_eddsa_attester_eddsa_key', 'token', {
  att: await attestation({ attAlg: 'EdDSA', cnf: ed.jwk }),
  popKey: ed,
});
await normal('normal_token_rs256_attester', 'token', { att: await attestation({ attAlg: 'RS256' }) });
await normal('normal_token_ps256_attester_ps256_key', 'token', {
  att: await attestation({ attAlg: 'PS256', cnf: ps.jwk }),
  popKey: ps,
});
await normal('normal_token_independent_dpop', 'token', { withDpop: other });
await combined('combined_token_eddsa_key', 'token', {
  att: await attestation({ cnf: ed.jwk }),
  dpopKey: ed,
});
await combined('combined_token_cnf_extra_members', 'token', {
  att: await attestation({ cnf: { use: 'sig', kid: 'instance-1', alg: 'ES256', ...es.jwk } }),
});

// Invalid requests.
await normal('pop_wrong_aud', 'token', { popOpts: { aud: 'https://elsewhere.example.com' } });
await normal('pop_signed_by_other_key', 'token', { popKey: other });
await normal('attestation_expired', 'token', { att: await attestation({ exp: now() - 3600 }) });
await normal('attestation_self_signed', 'par', { att: await attestation({ signer: es.privateKey }) });
await combined('combined_dpop_key_not_cnf', 'token', { dpopKey: other });
await combined('dpop_wrong_htu', 'par', { dpopOpts: { htu: `${issuer}/elsewhere` } });
{
  const headers = {
    'OAuth-Client-Attestation': await attestation(),
    'OAuth-Client-Attestation-PoP': await pop(es),
  };
  await send('replay_first_use', 'token', headers);
  await send('replay_second_use', 'token', headers);
}
await send('no_proof_of_possession', 'token', { 'OAuth-Client-Attestation': await attestation() });
