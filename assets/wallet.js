// The company's wallet: sign in with the wallet token (kept in sessionStorage, never in a
// URL), see the licence laid out like the paper one, the seals and invoices, and show any
// credential as a QR code that renews itself before it expires (亮照).

import { decodeSdJwt } from './sdjwt.js';
import {
  USCC_RE,
  TYPE_NAMES,
  capitalText,
  dateText,
  fenToYuan,
  instantText,
  maskName,
  mmss,
  sealTypeText,
  statusOf,
} from './format.js';
import { $, ApiError, api, h, say, show } from './ui.js';

const SESSION_KEY = 'zt.wallet';
/** Lifetime asked for each QR presentation, and how long before its end a new one is made. */
const TTL_S = 300;
const RENEW_BEFORE_S = 30;
/** A code this close to its end is hidden: the clerk would not finish scanning it in time. */
const HIDE_BEFORE_S = 10;
const RETRY_S = 5;

// ---- session -------------------------------------------------------------------------

function loadSession() {
  try {
    const s = JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? 'null');
    return s && typeof s.uscc === 'string' && typeof s.token === 'string' ? s : null;
  } catch {
    return null;
  }
}

function saveSession(s) {
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(s));
}

function clearSession() {
  sessionStorage.removeItem(SESSION_KEY);
}

let session = null;
let companyActive = true;

// ---- sign-in -------------------------------------------------------------------------

function showSignIn(message) {
  closePresent();
  show($('wallet'), false);
  show($('signout'), false);
  show($('signin'), true);
  say($('signin-error'), message);
  const prefill = new URLSearchParams(location.search).get('uscc');
  if (!$('uscc').value && prefill && USCC_RE.test(prefill.trim().toUpperCase())) {
    $('uscc').value = prefill.trim().toUpperCase();
  }
  ($('uscc').value ? $('token') : $('uscc')).focus();
}

async function onSignIn(ev) {
  ev.preventDefault();
  const uscc = $('uscc').value.replace(/\s+/g, '').toUpperCase();
  const token = $('token').value.trim();
  if (!USCC_RE.test(uscc)) {
    say($('signin-error'), '统一社会信用代码应为 18 位数字或大写字母（不含 I、O、S、V、Z）。');
    return;
  }
  if (!token) {
    say($('signin-error'), '请填写钱包令牌。');
    return;
  }
  say($('signin-error'), '');
  $('signin-button').disabled = true;
  try {
    const w = await api('GET', `/v1/wallets/${encodeURIComponent(uscc)}`, { token });
    session = { uscc, token };
    saveSession(session);
    $('token').value = '';
    renderWallet(w);
  } catch (e) {
    say($('signin-error'), `登录失败：${e.message}`);
  } finally {
    $('signin-button').disabled = false;
  }
}

function signOut() {
  clearSession();
  session = null;
  $('token').value = '';
  showSignIn('');
}

async function loadWallet() {
  show($('loading'), true);
  try {
    const w = await api('GET', `/v1/wallets/${encodeURIComponent(session.uscc)}`, {
      token: session.token,
    });
    renderWallet(w);
  } catch (e) {
    if (e instanceof ApiError && (e.status === 401 || e.status === 403 || e.status === 404)) {
      clearSession();
      session = null;
      showSignIn(`请重新登录：${e.message}`);
    } else {
      show($('signin'), false);
      show($('wallet'), true);
      say($('wallet-error'), `读取钱包失败：${e.message}`);
    }
  } finally {
    show($('loading'), false);
  }
}

// ---- the wallet ----------------------------------------------------------------------

function renderWallet(w) {
  show($('signin'), false);
  show($('wallet'), true);
  show($('signout'), true);
  say($('wallet-error'), '');
  companyActive = w.company_status === 'active';
  $('company-name').textContent = w.name ?? w.uscc;
  const badge = $('company-status');
  badge.textContent = companyActive ? '存续' : '已注销';
  badge.className = `badge ${companyActive ? 'ok' : 'bad'}`;
  document.title = `${w.name ?? w.uscc} · 企业钱包`;

  const groups = { licences: [], seals: [], invoices: [], others: [] };
  for (const c of w.credentials ?? []) {
    let claims = null;
    let readError = null;
    try {
      claims = decodeSdJwt(c.sd_jwt ?? '').claims;
    } catch (e) {
      readError = e.message;
    }
    const item = { cred: c, claims: claims ?? {}, readError, companyName: w.name };
    if (c.type === 'business_license') groups.licences.push(licenceCard(item));
    else if (c.type === 'e_seal') groups.seals.push(sealCard(item));
    else if (c.type === 'e_invoice') groups.invoices.push(invoiceCard(item));
    else groups.others.push(genericCard(item));
  }
  fill($('licences'), groups.licences, '钱包里还没有营业执照。');
  fill($('seals'), groups.seals, '暂无电子印章。印章在公安机关备案后会出现在这里。');
  fill($('invoices'), groups.invoices, '暂无数电票。');
  fill($('others'), groups.others, '');
  show($('others-wrap'), groups.others.length > 0);
}

function fill(container, nodes, emptyText) {
  container.replaceChildren(...(nodes.length ? nodes : [h('p', { class: 'empty' }, emptyText)]));
}

function field(area, label, value, extraClass = '') {
  return h(
    'div',
    { class: `lf lf-${area} ${extraClass}`.trim() },
    h('dt', {}, label),
    h('dd', { dataset: { field: area } }, value ?? '—'),
  );
}

/** The licence, laid out like the paper 营业执照. */
function licenceCard({ cred, claims, readError }) {
  const rep = claims.legal_representative ?? {};
  const card = h(
    'article',
    { class: 'licence', dataset: { credential: cred.id } },
    h(
      'header',
      { class: 'licence-head' },
      h('p', { class: 'licence-uscc' }, h('span', {}, '统一社会信用代码'), h('b', { dataset: { field: 'uscc' } }, claims.uscc ?? '—')),
      h('h3', { class: 'licence-title' }, '营业执照'),
      h('p', { class: 'licence-sub' }, '（电子营业执照）'),
    ),
    readError
      ? h('p', { class: 'error' }, `无法读取执照内容：${readError}`)
      : h(
          'dl',
          { class: 'licence-body' },
          field('name', '名称', claims.name),
          field('cap', '注册资本', capitalText(claims.registered_capital_fen)),
          field('rep', '法定代表人', rep.name ? maskName(rep.name) : '未披露'),
          field('date', '成立日期', dateText(claims.established_on)),
          field('addr', '住所', claims.address ?? '未披露'),
          field('scope', '经营范围', claims.business_scope),
        ),
    h(
      'footer',
      { class: 'licence-foot' },
      h('span', { class: 'licence-authority-label' }, '登记机关'),
      h('strong', { class: 'licence-authority', dataset: { field: 'authority' } }, claims.issuing_authority ?? '—'),
      h('time', {}, instantText(cred.issued_at, false)),
    ),
  );
  return h('div', { class: 'cred' }, card, metaBar(cred, `营业执照 · ${claims.name ?? ''}`));
}

/**
 * What a seal credential says about its seal, in either shape: the issued one
 * (`seal: {type, type_name, code, template}`, `police_filing: {id}`) or flat claims
 * (`seal_type`, `seal_name`, `filing_id`).
 */
function sealInfo(claims) {
  const seal = claims.seal && typeof claims.seal === 'object' ? claims.seal : {};
  const type = claims.seal_type ?? seal.type;
  const typeName = seal.type_name ?? sealTypeText(type);
  const name = claims.seal_name ?? seal.template?.bottom_text ?? typeName;
  const filingId = claims.filing_id ?? claims.police_filing?.id;
  return { typeName, name, filingId, code: seal.code ?? claims.seal_code };
}

function sealCard({ cred, claims, readError }) {
  const info = sealInfo(claims);
  const img = h('img', { class: 'seal-img', alt: `${info.name}印模`, loading: 'lazy' });
  const fallback = h('p', { class: 'seal-missing', hidden: true }, '印模图片暂不可用');
  img.addEventListener('error', () => {
    img.hidden = true;
    fallback.hidden = false;
  });
  if (info.filingId) {
    // The canonical image of the filed template: the very one the police hold (同章同模).
    img.src = `/v1/seal-filings/${encodeURIComponent(info.filingId)}/image.svg`;
  } else {
    img.hidden = true;
    fallback.hidden = false;
  }
  return h(
    'article',
    { class: 'card seal-card', dataset: { credential: cred.id } },
    h('div', { class: 'seal-frame' }, img, fallback),
    h('h3', {}, info.name),
    info.name !== info.typeName ? h('p', { class: 'muted' }, info.typeName) : null,
    info.code ? h('p', { class: 'muted small' }, `印章编码 ${info.code}`) : null,
    info.filingId ? h('p', { class: 'muted small' }, `备案编号 ${info.filingId}`) : null,
    readError ? h('p', { class: 'error' }, `无法读取印章内容：${readError}`) : null,
    metaBar(cred, `电子印章 · ${info.name}`),
  );
}

function firstOf(obj, names) {
  for (const n of names) {
    const v = n.split('.').reduce((o, k) => (o && typeof o === 'object' ? o[k] : undefined), obj);
    if (v !== undefined && v !== null && v !== '') return v;
  }
  return undefined;
}

function invoiceCard({ cred, claims, readError }) {
  const number = firstOf(claims, ['invoice_number', 'number', 'no']);
  const buyer = firstOf(claims, ['buyer.name', 'buyer_name']);
  const total = firstOf(claims, ['total_with_tax_fen', 'amount_with_tax_fen', 'total_fen', 'totals.total_with_tax_fen']);
  const yuan = total === undefined ? null : fenToYuan(total);
  const issued = firstOf(claims, ['issued_on', 'issue_date', 'iat']);
  return h(
    'article',
    { class: 'card invoice-card', dataset: { credential: cred.id } },
    h('h3', {}, number ? `数电票 ${number}` : '数电票'),
    h(
      'dl',
      { class: 'kv' },
      h('dt', {}, '购买方'),
      h('dd', {}, buyer ?? '—'),
      h('dt', {}, '价税合计'),
      h('dd', {}, yuan === null ? '—' : `¥${yuan}`),
      h('dt', {}, '开票日期'),
      h('dd', {}, typeof issued === 'number' ? instantText(issued, false) : dateText(issued)),
    ),
    readError ? h('p', { class: 'error' }, `无法读取发票内容：${readError}`) : null,
    metaBar(cred, `数电票 ${number ?? ''}`),
  );
}

function genericCard({ cred, claims, readError }) {
  return h(
    'article',
    { class: 'card', dataset: { credential: cred.id } },
    h('h3', {}, TYPE_NAMES[cred.type] ?? cred.type),
    claims.name ? h('p', {}, claims.name) : null,
    readError ? h('p', { class: 'error' }, `无法读取内容：${readError}`) : null,
    metaBar(cred, TYPE_NAMES[cred.type] ?? cred.type),
  );
}

/** Status, dates and the 出示 button under each credential. */
function metaBar(cred, title) {
  const st = statusOf(cred.status, cred.expires_at);
  const canShow = companyActive && st.tone === 'ok';
  const button = h(
    'button',
    { type: 'button', class: 'primary show-button', disabled: !canShow, title: canShow ? '' : '此证照当前不能出示' },
    '出示',
  );
  button.addEventListener('click', () => openPresent(cred, title));
  return h(
    'div',
    { class: 'meta' },
    h('span', { class: `badge ${st.tone}`, dataset: { status: cred.status } }, st.text),
    h('span', { class: 'meta-dates' }, `有效期至 ${instantText(cred.expires_at, false)}`),
    button,
  );
}

// ---- showing a QR code ---------------------------------------------------------------

let present = null; // { credId, minted, endPerf, endWall, retryAt, minting, generation, timer }
let generation = 0;
let wakeLock = null;

function openPresent(cred, title) {
  closePresent();
  generation += 1;
  present = {
    credId: cred.id,
    minted: false,
    endPerf: 0,
    endWall: 0,
    retryAt: 0,
    minting: false,
    generation,
    timer: setInterval(tick, 1000),
  };
  $('present-title').textContent = '亮照';
  $('present-company').textContent = title;
  hideCode('正在生成二维码…');
  say($('present-error'), '');
  show($('present'), true);
  $('present-close').focus();
  requestWakeLock();
  mint();
}

function closePresent() {
  if (present) clearInterval(present.timer);
  present = null;
  generation += 1;
  $('qr').removeAttribute('src');
  show($('present'), false);
  if (wakeLock) {
    wakeLock.release().catch(() => {});
    wakeLock = null;
  }
}

async function requestWakeLock() {
  try {
    if ('wakeLock' in navigator) wakeLock = await navigator.wakeLock.request('screen');
  } catch {
    wakeLock = null; // not allowed here: the phone may dim, the code still renews
  }
}

function hideCode(message) {
  const qr = $('qr');
  qr.hidden = true;
  qr.removeAttribute('src');
  delete qr.dataset.expiresAt;
  $('qr-wait').textContent = message;
  show($('qr-wait'), true);
}

async function mint() {
  const p = present;
  if (!p || p.minting) return;
  p.minting = true;
  // The code's end as this page counts it: measured from before the request, so never
  // later than the end the server signed (server time of minting + TTL). Counted on both
  // clocks: the monotonic one may stand still while a phone sleeps, the wall clock may
  // be set back; whichever ends first wins.
  const startedPerf = performance.now();
  const startedWall = Date.now();
  try {
    const r = await api('POST', `/v1/wallets/${encodeURIComponent(session.uscc)}/presentations`, {
      token: session.token,
      json: { credential_id: p.credId, ttl_s: TTL_S },
    });
    if (present !== p || p.generation !== generation) return; // closed meanwhile
    p.minted = true;
    p.endPerf = startedPerf + TTL_S * 1000;
    p.endWall = startedWall + TTL_S * 1000;
    p.retryAt = 0;
    const qr = $('qr');
    qr.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(r.qr_svg)}`;
    qr.dataset.expiresAt = r.expires_at;
    qr.hidden = false;
    show($('qr-wait'), false);
    say($('present-error'), '');
  } catch (e) {
    if (present !== p) return;
    p.retryAt = performance.now() + RETRY_S * 1000;
    if (e instanceof ApiError && e.status === 401) {
      say($('present-error'), `无法生成二维码：${e.message}。请退出后重新登录。`);
      p.retryAt = Infinity;
    } else if (e instanceof ApiError && (e.status === 409 || e.status === 404)) {
      say($('present-error'), `此证照不能出示：${e.message}`);
      p.retryAt = Infinity;
    } else {
      say($('present-error'), `生成二维码失败，${RETRY_S} 秒后重试：${e.message}`);
    }
  } finally {
    p.minting = false;
    if (present === p) tick();
  }
}

function tick() {
  const p = present;
  if (!p) return;
  const left = Math.min(p.endPerf - performance.now(), p.endWall - Date.now()) / 1000;
  if (p.minted && left <= HIDE_BEFORE_S && !$('qr').hidden) {
    hideCode('二维码即将过期，正在生成新的…');
  }
  const visible = !$('qr').hidden;
  $('countdown').textContent = visible ? mmss(left) : '—';
  const frac = visible ? Math.min(1, Math.max(0, left / TTL_S)) : 0;
  $('bar-fill').style.setProperty('width', `${(frac * 100).toFixed(1)}%`);
  const due = !p.minted || left <= RENEW_BEFORE_S;
  if (due && !p.minting && performance.now() >= p.retryAt) mint();
}

// ---- start ---------------------------------------------------------------------------

function start() {
  $('signin-form').addEventListener('submit', onSignIn);
  $('signout').addEventListener('click', signOut);
  $('present-close').addEventListener('click', closePresent);
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && present) closePresent();
  });
  // Timers sleep while the phone's screen is off: look at the clock as soon as it wakes.
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') tick();
  });
  session = loadSession();
  if (session) loadWallet();
  else showSignIn('');
}

start();
