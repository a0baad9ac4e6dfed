#!/usr/bin/env node
// Interop fixture: panva's oidc-provider configured for OAuth 2.0 Attestation-Based Client
// Authentication (draft-ietf-oauth-attestation-based-client-auth), both PoP modes.
//
// Usage:
//   node server.mjs [--port N] [--attester-jwks FILE] [--client-id ID] [--dpop-client-id ID]
//                   [--redirect-uri URI] [--ttl SECONDS]
// --attester-jwks defaults to attester-jwks.json in this folder (written by `node keygen.mjs`).
// Environment fallbacks: PORT, ABCA_ATTESTER_JWKS, ABCA_CLIENT_ID, ABCA_DPOP_CLIENT_ID,
// ABCA_REDIRECT_URI.
//
// stdout carries exactly one line, a JSON object, once the server answers requests. Everything
// else (oidc-provider notices, request errors) goes to stderr, so a harness can read the ready
// line without parsing noise.

// oidc-provider prints its NOTICEs with console.info, i.e. to stdout. Route console.info/log to
// stderr before the library is loaded, so the ready line stays the only stdout output.
console.info = (...args) => console.error(...args);
console.log = (...args) => console.error(...args);

const { randomBytes } = await import('node:crypto');
const { existsSync, readFileSync } = await import('node:fs');
const { fileURLToPath } = await import('node:url');
const http = await import('node:http');
const { parseArgs } = await import('node:util');
const jose = await import('jose');
const { default: Provider } = await import('oidc-provider');

const HOST = '127.0.0.1';

// The public JWKS `node keygen.mjs` (no argument) writes next to this script, when it is there.
function defaultJwks() {
  const here = fileURLToPath(new URL('./attester-jwks.json', import.meta.url));
  return existsSync(here) ? here : undefined;
}

function fail(message) {
  process.stderr.write(`server.mjs: ${message}\n`);
  process.exit(2);
}

let args;
try {
  ({ values: args } = parseArgs({
    options: {
      port: { type: 'string', default: process.env.PORT ?? '0' },
      'attester-jwks': { type: 'string', default: process.env.ABCA_ATTESTER_JWKS ?? defaultJwks() },
      'client-id': { type: 'string', default: process.env.ABCA_CLIENT_ID ?? 'abca-client' },
      'dpop-client-id': { type: 'string', default: process.env.ABCA_DPOP_CLIENT_ID ?? 'abca-client-dpop' },
      'redirect-uri': { type: 'string', default: process.env.ABCA_REDIRECT_URI ?? 'https://client.example.com/cb' },
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
if (!args['attester-jwks']) fail('--attester-jwks FILE (or ABCA_ATTESTER_JWKS) is required; `node keygen.mjs` writes attester-jwks.json here');
if (args['client-id'] === args['dpop-client-id']) {
  // oidc-provider registers exactly one token_endpoint_auth_method per client, so each mode
  // needs its own client.
  fail('--client-id and --dpop-client-id must differ');
}

// The trusted attester keys (draft-10 §Verification, Client Attestation JWT item 4: "a known and
// trusted Client Attester"). Private members are refused: the file must only hold public keys.
let attesterKeys;
try {
  const jwks = JSON.parse(readFileSync(args['attester-jwks'], 'utf8'));
  if (!Array.isArray(jwks?.keys) || jwks.keys.length === 0) throw new Error('no "keys" array');
  attesterKeys = jwks.keys.map((jwk, i) => {
    if (typeof jwk?.kty !== 'string') throw new Error(`keys[${i}] has no kty`);
    if (jwk.d !== undefined || jwk.k !== undefined) throw new Error(`keys[${i}] is not a public key`);
    return jwk;
  });
} catch (err) {
  fail(`cannot load attester JWKS ${args['attester-jwks']}: ${err.message}`);
}

// Selects the attester key for an attestation: by kid when the header has one, otherwise the only
// key of the JWKS. oidc-provider calls this before any signature or claim check
// (lib/shared/attest_client_auth.js), and turns a throw into invalid_client.
async function getAttestationSignaturePublicKey(ctx, header) {
  let candidates = attesterKeys;
  if (header.kid !== undefined) candidates = attesterKeys.filter((k) => k.kid === header.kid);
  if (candidates.length !== 1) {
    throw new Error(`no unique trusted attester key for kid ${JSON.stringify(header.kid)}`);
  }
  return candidates[0];
}

const clientIds = {
  attest_jwt_client_auth: args['client-id'],
  attest_jwt_client_auth_dpop: args['dpop-client-id'],
};
const redirectUri = args['redirect-uri'];

// Bind first so that an ephemeral port is known before the issuer is fixed; requests that would
// arrive before the provider exists get 503 (none do: the ready line is printed afterwards).
let handler = (req, res) => {
  res.statusCode = 503;
  res.end();
};
const server = http.createServer((req, res) => handler(req, res));
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(port, HOST, resolve);
});
const boundPort = server.address().port;
const issuer = `http://${HOST}:${boundPort}`;

// One throwaway signing key for the provider's own JWTs (ID tokens etc., unused here); it saves
// the library's "development-only signing keys" warning.
const { privateKey } = await jose.generateKeyPair('ES256', { extractable: true });
const signingJwk = { ...(await jose.exportJWK(privateKey)), kid: 'fixture-es256', alg: 'ES256', use: 'sig' };

const provider = new Provider(issuer, {
  clients: Object.entries(clientIds).map(([method, clientId]) => ({
    client_id: clientId,
    token_endpoint_auth_method: method,
    // refresh_token: issued by the code grant when the request asks for offline_access with
    // prompt=consent (lib/actions/authorization/scopes.js, lib/helpers/defaults.js
    // issueRefreshToken), and bound to the attestation's cnf key (lib/helpers/set_rt_bindings.js).
    grant_types: ['client_credentials', 'authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: [redirectUri],
    // The provider's only signing key is ES256; the default (RS256) would make every client
    // invalid_client_metadata.
    id_token_signed_response_alg: 'ES256',
  })),
  // Only the two attestation methods: token_endpoint_auth_methods_supported then lists exactly
  // these (lib/actions/discovery.js).
  clientAuthMethods: ['attest_jwt_client_auth', 'attest_jwt_client_auth_dpop'],
  jwks: { keys: [signingJwk] },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  ttl: {
    AccessToken: 600,
    ClientCredentials: 600,
    PushedAuthorizationRequest: 60,
  },
  features: {
    // The development login and consent pages (lib/actions/interaction.js, lib/views/): any
    // login with any password signs in; the consent page has one "Continue" button. The
    // harness drives them as a user does, with the declarative steps of target.yaml.
    devInteractions: { enabled: true },
    clientCredentials: { enabled: true },
    pushedAuthorizationRequests: { enabled: true },
    // nonceSecret is mandatory when attestClientAuth and dPoP are both on
    // (lib/helpers/configuration.js checkAttestClientAuth); it also enables DPoP-Nonce.
    dPoP: { enabled: true, nonceSecret: randomBytes(32) },
    attestClientAuth: {
      enabled: true,
      // Experimental feature: acknowledging the implemented draft version silences the notice
      // and makes an upgrade to a different draft fail loudly (lib/helpers/features.js).
      ack: 'draft-12',
      challengeSecret: randomBytes(32),
      getAttestationSignaturePublicKey,
    },
  },
});

// Request errors to stderr, one JSON line each, with oidc-provider's internal error_detail
// (which it never puts in the response body): the harness can quote them in reports.
for (const event of ['grant.error', 'pushed_authorization_request.error', 'challenge.error', 'discovery.error', 'server_error']) {
  provider.on(event, (ctx, err) => {
    process.stderr.write(`${JSON.stringify({
      event, method: ctx.method, path: ctx.path, status: err.status ?? 500,
      error: err.error ?? err.message, error_description: err.error_description, error_detail: err.error_detail,
    })}\n`);
  });
}

handler = provider.callback();

let lifetimeTimer;
function shutdown(signal) {
  process.stderr.write(`server.mjs: ${signal}, shutting down\n`);
  clearTimeout(lifetimeTimer);
  server.close(() => process.exit(0));
  server.closeAllConnections();
  // Never hang on shutdown.
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
if (ttl > 0) {
  // Safety net for test runs: the fixture stops on its own even if its parent died.
  lifetimeTimer = setTimeout(() => shutdown(`ttl ${ttl}s elapsed`), ttl * 1000);
}

// Read the endpoints back from our own RFC 8414 metadata: this proves the server answers before
// we claim readiness, and reports the URLs exactly as a client will discover them.
let metadata;
try {
  const res = await fetch(`${issuer}/.well-known/oauth-authorization-server`, { signal: AbortSignal.timeout(5000) });
  if (res.status !== 200) throw new Error(`status ${res.status}`);
  metadata = await res.json();
} catch (err) {
  fail(`self-check of the metadata endpoint failed: ${err.message}`);
}

let providerVersion;
try {
  providerVersion = JSON.parse(readFileSync(new URL('./node_modules/oidc-provider/package.json', import.meta.url), 'utf8')).version;
} catch {
  providerVersion = null;
}

process.stdout.write(`${JSON.stringify({
  issuer,
  metadata_url: `${issuer}/.well-known/oauth-authorization-server`,
  token_endpoint: metadata.token_endpoint,
  par_endpoint: metadata.pushed_authorization_request_endpoint,
  challenge_endpoint: metadata.challenge_endpoint,
  clients: clientIds,
  redirect_uri: redirectUri,
  oidc_provider_version: providerVersion,
})}\n`);
