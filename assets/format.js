// Formatting for people: money in exact integer arithmetic (never floats), dates the way
// a Chinese licence prints them, names masked. Pure functions, no DOM (tested in Node too).

/** An integer amount of fen as a BigInt, or null if it is not an exact integer. */
export function toBigFen(fen) {
  if (typeof fen === 'bigint') return fen;
  if (typeof fen === 'number' && Number.isSafeInteger(fen)) return BigInt(fen);
  if (typeof fen === 'string' && /^-?\d+$/.test(fen)) return BigInt(fen);
  return null;
}

/** Divides exactly and prints every significant decimal: (123456789, 1000000) → "123.456789". */
function exactDecimal(n, unit, places) {
  const neg = n < 0n;
  const a = neg ? -n : n;
  const whole = a / unit;
  const rest = a % unit;
  let s = whole.toString();
  if (rest !== 0n) s += '.' + rest.toString().padStart(places, '0').replace(/0+$/, '');
  return (neg ? '-' : '') + s;
}

/** Registered capital: fen → 万元 (1 万元 = 1,000,000 fen), e.g. 100000000 → "100". */
export function fenToWan(fen) {
  const n = toBigFen(fen);
  return n === null ? null : exactDecimal(n, 1000000n, 6);
}

/** Registered capital as the licence prints it: "人民币100万元". */
export function capitalText(fen) {
  const wan = fenToWan(fen);
  return wan === null ? '—' : `人民币${wan}万元`;
}

/** fen → 元 with two decimals and thousands separators: 123456 → "1,234.56". */
export function fenToYuan(fen) {
  const n = toBigFen(fen);
  if (n === null) return null;
  const neg = n < 0n;
  const a = neg ? -n : n;
  const whole = (a / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const cents = (a % 100n).toString().padStart(2, '0');
  return `${neg ? '-' : ''}${whole}.${cents}`;
}

/** 张三 → 张*, 欧阳娜娜 → 欧***: the surname stays, the rest is hidden. */
export function maskName(name) {
  const chars = Array.from(String(name ?? '').trim());
  if (chars.length === 0) return '';
  if (chars.length === 1) return '*';
  return chars[0] + '*'.repeat(chars.length - 1);
}

const pad2 = (n) => String(n).padStart(2, '0');

/** "2024-03-01" → "2024年03月01日" (a calendar date, no time zone involved). */
export function dateText(ymd) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(ymd ?? ''));
  return m ? `${m[1]}年${m[2]}月${m[3]}日` : String(ymd ?? '—');
}

/** An instant (RFC 3339 text, or seconds since 1970) → "2026年11月25日 18:05" in local time. */
export function instantText(v, withTime = true) {
  const d = typeof v === 'number' ? new Date(v * 1000) : new Date(String(v ?? ''));
  if (Number.isNaN(d.getTime())) return '—';
  const date = `${d.getFullYear()}年${pad2(d.getMonth() + 1)}月${pad2(d.getDate())}日`;
  return withTime ? `${date} ${pad2(d.getHours())}:${pad2(d.getMinutes())}` : date;
}

/** Seconds → "4:05"; negative counts as zero. */
export function mmss(seconds) {
  const s = Math.max(0, Math.ceil(seconds));
  return `${Math.floor(s / 60)}:${pad2(s % 60)}`;
}

export const TYPE_NAMES = {
  business_license: '营业执照',
  e_seal: '电子印章',
  e_invoice: '数电票',
  invoicing_rights: '开票资格',
};

export const SEAL_TYPE_NAMES = {
  official: '公章',
  finance: '财务专用章',
  invoice: '发票专用章',
  contract: '合同专用章',
  legal_representative: '法定代表人名章',
  legal_rep: '法定代表人名章',
};

export function sealTypeText(t) {
  return SEAL_TYPE_NAMES[t] ?? (t ? String(t) : '印章');
}

/**
 * A credential's status for display: `{ text, tone }` where tone is ok | bad | unsure.
 * An expiry date in the past wins over a stored "valid".
 */
export function statusOf(status, expiresAt, now = Date.now()) {
  if (status === 'revoked') return { text: '已撤销', tone: 'bad' };
  if (status === 'suspended') return { text: '已暂停', tone: 'unsure' };
  const exp = new Date(String(expiresAt ?? '')).getTime();
  if (!Number.isNaN(exp) && exp < now) return { text: '已过期', tone: 'bad' };
  if (status === 'valid') return { text: '有效', tone: 'ok' };
  return { text: status ? String(status) : '未知', tone: 'unsure' };
}

/** USCC shape (GB 32100-2015 alphabet, 18 characters); the server checks the rest. */
export const USCC_RE = /^[0-9A-HJ-NPQRTUWXY]{18}$/;
