#!/usr/bin/env node
// Writes a throwaway ES256 Client Attester key pair for the fixture:
//   DIR/attester-private.jwk.json  (private JWK, for the client side: smoke.mjs, the harness)
//   DIR/attester-jwks.json         (public JWKS, for server.mjs --attester-jwks)
// Usage: node keygen.mjs [DIR [KID]]   (DIR defaults to this folder; both files are git-ignored)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import * as jose from 'jose';

const [dir = fileURLToPath(new URL('.', import.meta.url)), kid = 'abca-attester-1'] = process.argv.slice(2);
const { publicKey, privateKey } = await jose.generateKeyPair('ES256', { extractable: true });
const meta = { kid, alg: 'ES256', use: 'sig' };
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'attester-private.jwk.json'), `${JSON.stringify({ ...(await jose.exportJWK(privateKey)), ...meta })}\n`, { mode: 0o600 });
writeFileSync(join(dir, 'attester-jwks.json'), `${JSON.stringify({ keys: [{ ...(await jose.exportJWK(publicKey)), ...meta }] })}\n`);
