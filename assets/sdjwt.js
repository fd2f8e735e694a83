// Reading an SD-JWT VC (RFC 9901) for display: the issuer-signed JWT's payload with the
// disclosures put back where their digests are. This does NOT verify the signature (the
// wallet shows what the server holds for the company; verification is /v1/verify).
// Pure functions, no DOM: the browser test imports this module in Node too.

const B64URL = /^[A-Za-z0-9_-]*$/;

/** base64url (padding optional) → bytes; throws on anything else. */
export function b64urlDecode(s) {
  if (typeof s !== 'string' || !B64URL.test(s.replace(/=+$/, ''))) {
    throw new Error('不是 base64url 编码');
  }
  const b64 = s.replace(/=+$/, '').replace(/-/g, '+').replace(/_/g, '/');
  const padded = b64 + '='.repeat((4 - (b64.length % 4)) % 4);
  const bin = atob(padded);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** bytes → base64url without padding. */
export function b64urlEncode(bytes) {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** base64url → UTF-8 text → JSON. */
export function b64urlJson(s) {
  const text = new TextDecoder('utf-8', { fatal: true }).decode(b64urlDecode(s));
  return JSON.parse(text);
}

// SHA-256 (FIPS 180-4), synchronous and dependency-free: crypto.subtle exists only in
// secure contexts, and a phone on the office network may open the page over plain HTTP.
const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

const rotr = (x, n) => (x >>> n) | (x << (32 - n));

/** SHA-256 of bytes (Uint8Array) → 32 bytes. */
export function sha256(bytes) {
  const len = bytes.length;
  const total = Math.ceil((len + 9) / 64) * 64;
  const m = new Uint8Array(total);
  m.set(bytes);
  m[len] = 0x80;
  const dv = new DataView(m.buffer);
  const bits = len * 8;
  dv.setUint32(total - 8, Math.floor(bits / 0x100000000));
  dv.setUint32(total - 4, bits >>> 0);
  const H = new Uint32Array([
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
  ]);
  const W = new Uint32Array(64);
  for (let off = 0; off < total; off += 64) {
    for (let i = 0; i < 16; i++) W[i] = dv.getUint32(off + i * 4);
    for (let i = 16; i < 64; i++) {
      const x = W[i - 15];
      const y = W[i - 2];
      const s0 = rotr(x, 7) ^ rotr(x, 18) ^ (x >>> 3);
      const s1 = rotr(y, 17) ^ rotr(y, 19) ^ (y >>> 10);
      W[i] = (W[i - 16] + s0 + W[i - 7] + s1) >>> 0;
    }
    let [a, b, c, d, e, f, g, h] = H;
    for (let i = 0; i < 64; i++) {
      const S1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
      const ch = (e & f) ^ (~e & g);
      const t1 = (h + S1 + ch + K[i] + W[i]) >>> 0;
      const S0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t2 = (S0 + maj) >>> 0;
      h = g;
      g = f;
      f = e;
      e = (d + t1) >>> 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) >>> 0;
    }
    H[0] += a;
    H[1] += b;
    H[2] += c;
    H[3] += d;
    H[4] += e;
    H[5] += f;
    H[6] += g;
    H[7] += h;
  }
  const out = new Uint8Array(32);
  const odv = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) odv.setUint32(i * 4, H[i]);
  return out;
}

/** The digest that stands for a disclosure in `_sd`: base64url(SHA-256(ASCII of it)). */
export function disclosureDigest(encoded) {
  return b64urlEncode(sha256(new TextEncoder().encode(encoded)));
}

/**
 * Splits `<jwt>~<disclosure>~...~[<kb-jwt>]` and returns
 * `{ header, claims, disclosed }`, where `claims` has every disclosure put back in the
 * object whose `_sd` lists its digest, and `disclosed` names them (`a.b`).
 * Throws an Error with a message in Chinese when the text is not an SD-JWT.
 */
export function decodeSdJwt(text) {
  if (typeof text !== 'string' || !text.includes('~')) {
    throw new Error('不是 SD-JWT 格式的证照');
  }
  const parts = text.trim().split('~');
  const jwt = parts[0].split('.');
  if (jwt.length !== 3) throw new Error('证照的签名部分格式不对');
  let header;
  let claims;
  try {
    header = b64urlJson(jwt[0]);
    claims = b64urlJson(jwt[1]);
  } catch {
    throw new Error('证照内容无法解码');
  }
  if (!claims || typeof claims !== 'object' || Array.isArray(claims)) {
    throw new Error('证照内容不是 JSON 对象');
  }
  const byDigest = new Map();
  for (const d of parts.slice(1)) {
    if (d === '' || d.includes('.')) continue; // trailing '' or a key-binding JWT
    let arr;
    try {
      arr = b64urlJson(d);
    } catch {
      throw new Error('证照的披露项无法解码');
    }
    if (!Array.isArray(arr) || arr.length !== 3 || typeof arr[1] !== 'string') {
      throw new Error('证照的披露项格式不对');
    }
    byDigest.set(disclosureDigest(d), { name: arr[1], value: arr[2] });
  }
  delete claims._sd_alg;
  const disclosed = [];
  resolve(claims, byDigest, disclosed, '');
  return { header, claims, disclosed };
}

function resolve(obj, byDigest, disclosed, prefix) {
  if (Array.isArray(obj._sd)) {
    for (const digest of obj._sd) {
      const d = byDigest.get(digest);
      if (d && !(d.name in obj)) {
        obj[d.name] = d.value;
        disclosed.push(prefix + d.name);
      }
    }
  }
  delete obj._sd;
  for (const [k, v] of Object.entries(obj)) {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      resolve(v, byDigest, disclosed, `${prefix}${k}.`);
    }
  }
}
