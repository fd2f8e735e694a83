// Verifies an SD-JWT VC with a key-binding JWT (on stdin) with the OpenWallet TypeScript
// library @sd-jwt/sd-jwt-vc: the issuer's key from the x5c leaf, whose chain is checked up
// to the national root given as the first argument (node's X509Certificate); the holder's
// key from cnf.jwk; the nonce (second argument) by the library; the aud (third) here,
// since the library leaves it to the caller. Prints the disclosed payload as JSON and exits
// 0, or prints the library's error and exits 1. Run by tests/key_binding.rs.
//
// `--type-metadata ROOT.crt` instead: a credential without key binding, verified with the
// library's type-metadata loading (it fetches the `vct` URL and checks the document's schema);
// prints the claims and the type metadata. Run by tests/vct.rs.

import { readFileSync } from "node:fs";
import { X509Certificate, createHash, createPublicKey } from "node:crypto";
import { SDJwtVcInstance } from "@sd-jwt/sd-jwt-vc";
import { ES256, digest } from "@sd-jwt/crypto-nodejs";

const args = process.argv.slice(2);
const typeMetadata = args[0] === "--type-metadata";
if (typeMetadata) args.shift();
const [rootPath, nonce, aud] = args;
if (!rootPath || (!typeMetadata && (!nonce || !aud))) {
  console.error("usage: node verify.mjs ROOT.crt NONCE AUD < sd-jwt\n       node verify.mjs --type-metadata ROOT.crt < sd-jwt");
  process.exit(2);
}
const root = new X509Certificate(readFileSync(rootPath));
const token = readFileSync(0, "utf8").trim();

const b64url = (s) => Buffer.from(s, "base64url").toString("utf8");

// The key of a JWS whose x5c chain (leaf first) ends in a certificate the root issued.
function x5cKey(data) {
  const header = JSON.parse(b64url(data.split(".")[0]));
  const chain = (header.x5c ?? []).map(
    (c) => new X509Certificate(Buffer.from(c, "base64")),
  );
  if (chain.length === 0) throw new Error("no x5c in the JWS header");
  const now = new Date();
  for (let i = 0; i < chain.length; i++) {
    const cert = chain[i];
    const issuer = i + 1 < chain.length ? chain[i + 1] : root;
    if (!cert.checkIssued(issuer) || !cert.verify(issuer.publicKey)) {
      throw new Error(`x5c[${i}] is not issued by ${issuer.subject}`);
    }
    if (new Date(cert.validFrom) > now || new Date(cert.validTo) < now) {
      throw new Error(`x5c[${i}] is not valid now`);
    }
  }
  return chain[0].publicKey.export({ format: "jwk" });
}

// The type metadata at `url`, refused unless its bytes match `integrity`, a W3C SRI string
// (`sha256-<base64>`, as draft-ietf-oauth-sd-jwt-vc requires). The library's own fetcher
// (0.19.0) compares the hex digest with that base64 value, so no conforming `vct#integrity`
// can pass it; this fetcher is the library's hook for that step (`vctFetcher`), and the
// library still validates the document against its type-metadata schema.
async function vctFetcher(url, integrity) {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  const bytes = Buffer.from(await response.arrayBuffer());
  if (!integrity) throw new Error(`no vct#integrity for ${url}`);
  const [alg, expected] = integrity.split("-", 2);
  if (alg !== "sha256") throw new Error(`unsupported integrity algorithm ${alg}`);
  const got = createHash("sha256").update(bytes).digest("base64");
  if (got !== expected) {
    throw new Error(`integrity of ${url}: sha256-${got}, expected ${integrity}`);
  }
  return JSON.parse(bytes.toString("utf8"));
}

const sdjwt = new SDJwtVcInstance({
  hasher: digest,
  ...(typeMetadata ? { loadTypeMetadataFormat: true, vctFetcher } : {}),
  verifier: async (data, sig) => (await ES256.getVerifier(x5cKey(data)))(data, sig),
  kbVerifier: async (data, sig, payload) => {
    const jwk = payload?.cnf?.jwk;
    if (!jwk) throw new Error("the credential has no cnf.jwk");
    createPublicKey({ key: jwk, format: "jwk" }); // refuses a malformed key
    return (await ES256.getVerifier(jwk))(data, sig);
  },
});

try {
  if (typeMetadata) {
    const result = await sdjwt.verify(token);
    if (!result.typeMetadata) throw new Error("no type metadata was loaded");
    const meta = result.typeMetadata.mergedTypeMetadata;
    if (meta.vct !== result.payload.vct) {
      throw new Error(`the metadata names vct ${meta.vct}, the credential ${result.payload.vct}`);
    }
    const claims = await sdjwt.getClaims(token);
    console.log(JSON.stringify({ claims, typeMetadata: meta }));
    process.exit(0);
  }
  const result = await sdjwt.verify(token, { keyBindingNonce: nonce });
  if (!result.kb) throw new Error("no key-binding JWT was verified");
  if (result.kb.payload.aud !== aud) {
    throw new Error(`aud is ${JSON.stringify(result.kb.payload.aud)}, expected ${JSON.stringify(aud)}`);
  }
  const claims = await sdjwt.getClaims(token);
  console.log(JSON.stringify({ claims, kb: result.kb.payload }));
} catch (e) {
  console.log(`rejected: ${e.message}`);
  process.exit(1);
}
