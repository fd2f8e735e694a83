// The indicators page: asks GET /v1/indicators with the token pasted here (kept in
// sessionStorage, never in a URL) and draws each chart as inline SVG, with its numbers in a
// table beside it. Every number cell carries data-k, the indicator's path in the JSON.

import { $, api, h, say, show } from './ui.js';

const SESSION_KEY = 'zt.indicators.token';
const SVG = 'http://www.w3.org/2000/svg';
const TYPE_NAMES = {
  business_license: '营业执照',
  e_seal: '电子印章',
  invoicing_rights: '发票领用',
  e_invoice: '电子发票',
};
const RESULT_NAMES = { total_passed: '有效', total_failed: '无效', indeterminate: '无法确认' };
const REASON_NAMES = {
  unauthorized: '未认证',
  forbidden: '无权限',
  'not-found': '不存在',
  conflict: '冲突',
  'unprocessable-entity': '不符合规则',
  'too-many-requests': '超过次数',
  'payload-too-large': '过大',
};

function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

const secs = (v) => (v === undefined || v === null ? '—' : `${Number(v).toFixed(3)} 秒`);
const pct = (v) => `${(v * 100).toFixed(1)}%`;
const cell = (k, v, text) => h('td', { dataset: { k, v: String(v) } }, text ?? String(v));

function table(el, head, rows) {
  el.replaceChildren(
    h('thead', {}, h('tr', {}, head.map((x) => h('th', {}, x)))),
    h('tbody', {}, rows.length ? rows.map((r) => h('tr', {}, r)) : h('tr', {}, h('td', { colspan: head.length, class: 'empty' }, '无'))),
  );
}

/** Vertical bars (one group of stacked series per label), with a y axis of 4 ticks. */
function bars(el, labels, series, title) {
  const W = 360, H = 220, L = 36, B = 40, T = 12;
  const totals = labels.map((_, i) => series.reduce((a, sr) => a + sr.values[i], 0));
  // Whole-number ticks: the top of the scale a multiple of 4.
  const max = Math.max(4, Math.ceil(Math.max(...totals, 0) / 4) * 4);
  const bw = Math.min(48, (W - L - 8) / Math.max(1, labels.length) - 8);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': title, class: 'ind-svg' });
  for (let t = 0; t <= 4; t++) {
    const y = T + (H - T - B) * (1 - t / 4);
    svg.append(s('line', { x1: L, x2: W - 4, y1: y, y2: y, stroke: '#d8d4cc' }));
    svg.append(s('text', { x: L - 4, y: y + 4, 'text-anchor': 'end', 'font-size': 10, fill: '#59636e' }, (max * t) / 4));
  }
  labels.forEach((label, i) => {
    const x = L + 8 + i * (bw + 8);
    let y0 = H - B;
    for (const sr of series) {
      const hgt = ((H - T - B) * sr.values[i]) / max;
      if (hgt > 0) {
        svg.append(s('rect', { x, y: y0 - hgt, width: bw, height: hgt, fill: sr.color, 'data-series': sr.name, 'data-value': sr.values[i] }));
      }
      y0 -= hgt;
    }
    svg.append(s('text', { x: x + bw / 2, y: y0 - 3, 'text-anchor': 'middle', 'font-size': 10 }, totals[i]));
    svg.append(s('text', { x: x + bw / 2, y: H - B + 14, 'text-anchor': 'middle', 'font-size': 10, fill: '#59636e' }, label));
  });
  let lx = L;
  for (const sr of series) {
    svg.append(s('rect', { x: lx, y: H - 14, width: 10, height: 10, fill: sr.color }));
    svg.append(s('text', { x: lx + 14, y: H - 5, 'font-size': 10 }, sr.name));
    lx += 24 + sr.name.length * 11;
  }
  el.replaceChildren(svg);
}

/** Start-ups per day (bars) and the day's p50 and p90 (dots on a second scale, seconds). */
function startups(el, daily) {
  bars(el, daily.map((d) => d.date.slice(5)), [{ name: '开办数', color: '#c8102e', values: daily.map((d) => d.count) }], '每日开办数');
  const svg = el.querySelector('svg');
  const W = 360, H = 220, L = 36, B = 40, T = 12;
  const maxS = Math.max(0.001, ...daily.map((d) => d.seconds.p90));
  const bw = Math.min(48, (W - L - 8) / Math.max(1, daily.length) - 8);
  daily.forEach((d, i) => {
    const x = L + 8 + i * (bw + 8) + bw / 2;
    for (const [q, color] of [['p50', '#1a7f37'], ['p90', '#a87b2f']]) {
      const y = T + (H - T - B) * (1 - d.seconds[q] / maxS);
      svg.append(s('circle', { cx: x, cy: y, r: 4, fill: color, 'data-q': q, 'data-value': d.seconds[q] }));
    }
  });
  // The seconds scale: 0 at the axis, the highest p90 at the top.
  svg.append(s('circle', { cx: W - 150, cy: H - 9, r: 4, fill: '#1a7f37' }));
  svg.append(s('text', { x: W - 142, y: H - 5, 'font-size': 10 }, 'p50'));
  svg.append(s('circle', { cx: W - 112, cy: H - 9, r: 4, fill: '#a87b2f' }));
  svg.append(s('text', { x: W - 104, y: H - 5, 'font-size': 10 }, `p90（顶 ${maxS.toFixed(1)} 秒）`));
}

function render(d) {
  const st = d.startups;
  const sum = [
    ['startups.delivered', '开办（已交付）', st.delivered],
    ['startups.without_human_step', '秒批秒办（无人工环节）', st.without_human_step],
    ['startups.without_human_step_share', '秒批秒办占比', st.without_human_step_share, pct(st.without_human_step_share)],
    ['startups.seconds.p50', '开办时长 p50', st.seconds?.p50 ?? '', secs(st.seconds?.p50)],
    ['startups.seconds.p90', '开办时长 p90', st.seconds?.p90 ?? '', secs(st.seconds?.p90)],
    ['startups.seconds.p99', '开办时长 p99', st.seconds?.p99 ?? '', secs(st.seconds?.p99)],
    ['startups.seconds.max', '开办时长 最长', st.seconds?.max ?? '', secs(st.seconds?.max)],
    ['changes', '变更', d.changes],
    ['deregistrations', '注销', d.deregistrations],
    ['seals.filed', '印章备案', d.seals.filed],
    ['seals.issued', '电子印章发放', d.seals.issued],
    ['invoices.issued', '开具发票', d.invoices.issued],
    ['invoices.total_fen', '发票价税合计', d.invoices.total_fen, `${(d.invoices.total_fen / 100).toFixed(2)} 元`],
    ['verifications.total', '核验', d.verifications.total],
    ['verifications.cross_region', '跨地区核验', d.verifications.cross_region],
    ['verifications.cross_region_claimed', '跨地区核验（仅调用方声称地区）', d.verifications.cross_region_claimed],
    ['online_checks_refused', '在线查验被拒', d.online_checks_refused],
    ['refusals.total', '拒绝请求', d.refusals.total],
  ];
  $('summary').replaceChildren(
    ...sum.flatMap(([k, label, v, text]) => [h('dt', {}, label), h('dd', { dataset: { k, v: String(v) } }, text ?? String(v))]),
  );

  startups($('chart-startups'), st.daily);
  table($('table-startups'), ['日期', '开办', 'p50', 'p90', 'p99', '最长'], st.daily.map((x) => [
    h('td', {}, x.date),
    cell(`startups.daily.${x.date}.count`, x.count),
    ...['p50', 'p90', 'p99', 'max'].map((q) => cell(`startups.daily.${x.date}.${q}`, x.seconds[q], x.seconds[q].toFixed(3))),
  ]));

  const regions = d.verifications.by_region;
  bars($('chart-verifications'), regions.map((r) => r.region), [
    { name: '有效', color: '#1a7f37', values: regions.map((r) => r.total_passed) },
    { name: '无效', color: '#cf222e', values: regions.map((r) => r.total_failed) },
    { name: '无法确认', color: '#d4a72c', values: regions.map((r) => r.indeterminate) },
  ], '各核验地区的核验结果');
  table($('table-verifications'), ['核验地区', '合计', ...Object.values(RESULT_NAMES), '跨地区', '跨地区（声称）'], regions.map((r) => [
    h('td', {}, r.region),
    cell(`verifications.by_region.${r.region}.total`, r.total),
    ...Object.keys(RESULT_NAMES).map((k) => cell(`verifications.by_region.${r.region}.${k}`, r[k])),
    cell(`verifications.by_region.${r.region}.cross_region`, r.cross_region),
    cell(`verifications.by_region.${r.region}.cross_region_claimed`, r.cross_region_claimed),
  ]));

  const types = Object.keys(d.credentials_issued);
  bars($('chart-issued'), types.map((t) => TYPE_NAMES[t] ?? t), [
    { name: '发证数', color: '#9b0c23', values: types.map((t) => d.credentials_issued[t]) },
  ], '按证照类型的发证数');
  table($('table-issued'), ['证照类型', '发证数'], types.map((t) => [
    h('td', {}, TYPE_NAMES[t] ?? t),
    cell(`credentials_issued.${t}`, d.credentials_issued[t]),
  ]));

  table($('table-refusals'), ['原因', '次数'], Object.entries(d.refusals.by_reason).map(([k, n]) => [
    h('td', {}, `${REASON_NAMES[k] ?? k}（${k}）`),
    cell(`refusals.by_reason.${k}`, n),
  ]));
  show($('out'));
  document.body.dataset.loaded = 'true';
}

function query() {
  const from = $('from').value;
  const to = $('to').value;
  // The end date is included: the period ends at the next day's midnight (UTC).
  const end = new Date(`${to}T00:00:00Z`);
  end.setUTCDate(end.getUTCDate() + 1);
  const p = new URLSearchParams({ from: `${from}T00:00:00Z`, to: end.toISOString() });
  const region = $('region').value.trim();
  if (region) p.set('region', region);
  return p;
}

async function load(ev) {
  ev?.preventDefault();
  const token = $('token').value.trim();
  if (!token) return;
  sessionStorage.setItem(SESSION_KEY, token);
  say($('error'), '');
  show($('busy'));
  delete document.body.dataset.loaded;
  try {
    render(await api('GET', `/v1/indicators?${query()}`, { token }));
  } catch (e) {
    say($('error'), e.message);
  } finally {
    show($('busy'), false);
  }
}

async function downloadCsv(ev) {
  ev.preventDefault();
  const token = $('token').value.trim();
  const p = query();
  p.set('format', 'csv');
  const r = await fetch(`/v1/indicators?${p}`, { headers: { Authorization: `Bearer ${token}` }, credentials: 'omit', cache: 'no-store' });
  if (!r.ok) return say($('error'), `CSV 导出失败（${r.status}）`);
  const url = URL.createObjectURL(await r.blob());
  const a = h('a', { href: url, download: 'indicators.csv' });
  a.click();
  URL.revokeObjectURL(url);
}

function init() {
  const today = new Date();
  const monthAgo = new Date(today.getTime() - 29 * 86_400_000);
  const params = new URLSearchParams(location.search);
  $('to').value = params.get('to') ?? today.toISOString().slice(0, 10);
  $('from').value = params.get('from') ?? monthAgo.toISOString().slice(0, 10);
  $('region').value = params.get('region') ?? '';
  $('token').value = sessionStorage.getItem(SESSION_KEY) ?? '';
  $('query').addEventListener('submit', load);
  $('csv').addEventListener('click', downloadCsv);
  if ($('token').value) load();
}

init();
