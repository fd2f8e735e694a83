// The API page (/api): renders this node's OpenAPI document (/v1/openapi.json) as a
// readable list of operations and schemas, Chinese first. Everything from the document goes
// in as text (ui.js `h`), never as HTML.

import { $, api, h, say } from './ui.js';

/** Chinese names of the operations, by operationId (tests/openapi.rs checks that each
 * operation of the document has one). */
export const NAMES = {
  checkHealth: '健康检查',
  getOpenApiDocument: '本接口文档（OpenAPI）',
  createToken: '签发角色令牌',
  listTokens: '列出令牌',
  revokeToken: '吊销令牌',
  rotateWalletToken: '更换钱包令牌',
  registerCompany: '企业登记（签发营业执照）',
  changeCompany: '企业变更（新版执照）',
  deregisterCompany: '企业注销',
  listWalletCredentials: '查看企业钱包',
  createPresentation: '出示证照（二维码或 SD-JWT）',
  verifyToken: '核验二维码令牌或 SD-JWT 证照',
  verifyQrImage: '核验二维码照片',
  getTrustList: '信任列表',
  validateSignatures: '验证签章（文件、哈希或 PDF）',
  getCertificates: '本地区证书',
  requestTimestamp: '时间戳（RFC 3161）',
  getCurrentCrl: '证书吊销列表（当前 CA）',
  getCaCrl: '证书吊销列表（指定 CA）',
  getCaCertificate: 'CA 证书',
  getStatusList: '状态列表',
  getTypeMetadata: '证照类型元数据（SD-JWT VC）',
  fileSeal: '印章备案（公安）',
  getSealFiling: '查看印章备案',
  getSealFilingImage: '印章备案图样（SVG）',
  issueSeal: '签发电子印章',
  listWalletSeals: '列出企业电子印章',
  revokeSeal: '吊销电子印章',
  signDocument: '用电子印章签章',
  extendPdf: '为已签章 PDF 补充长期验证数据和归档时间戳',
  establishCompany: '企业开办（一次办结）',
  getEstablishment: '查看开办记录',
  getMetrics: '运行指标（OpenMetrics）',
  grantInvoicingRights: '授予开票资格（税务 UKey）',
  issueInvoice: '开具数电票',
  listWalletInvoices: '列出企业发票',
  getIndicators: '平台绩效指标',
};

const WHERE = { path: '路径', query: '查询', header: '请求头', cookie: 'Cookie' };
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** `#/components/schemas/X` → `X`. */
const refName = (ref) => ref.split('/').pop();

/** The schema a `$ref` names, or the schema itself. */
function resolve(doc, s) {
  return s && s.$ref ? doc.components?.schemas?.[refName(s.$ref)] ?? {} : s ?? {};
}

/** A short type: `string (date)`, `Report`, `string[]`, `a | b`, an enum's values. */
function typeText(s) {
  if (!s) return '';
  if (s.$ref) return refName(s.$ref);
  for (const k of ['oneOf', 'anyOf', 'allOf']) {
    if (Array.isArray(s[k])) return s[k].map(typeText).join(k === 'allOf' ? ' & ' : ' | ');
  }
  if (Array.isArray(s.enum)) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (s.const !== undefined) return JSON.stringify(s.const);
  const types = Array.isArray(s.type) ? s.type : [s.type ?? 'any'];
  return types
    .map((t) => (t === 'array' ? `${typeText(s.items) || 'any'}[]` : t))
    .map((t) => (s.format && t !== 'null' && !t.endsWith('[]') ? `${t} (${s.format})` : t))
    .join(' | ');
}

/** A link to a component schema when the type is one. */
function typeCell(s) {
  const target = s?.$ref ?? (s?.items?.$ref) ?? null;
  const text = typeText(s);
  return target ? h('a', { href: `#schema-${refName(target)}` }, text) : text;
}

function table(head, rows) {
  return h('div', { class: 'api-table' },
    h('table', {},
      h('thead', {}, h('tr', {}, head.map((c) => h('th', {}, c)))),
      h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c) => h('td', {}, c)))))));
}

function pre(value) {
  return h('pre', { class: 'api-example' }, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
}

function fields(doc, schema) {
  const s = resolve(doc, schema);
  const props = Object.entries(s.properties ?? {});
  if (!props.length) return h('p', { class: 'muted small' }, `类型：`, typeCell(schema));
  const required = new Set(s.required ?? []);
  return table(['字段', '类型', '必填', '说明'], props.map(([name, p]) => [
    h('code', {}, name), typeCell(p), required.has(name) ? '是' : '否', p.description ?? '',
  ]));
}

function parameters(op) {
  const ps = op.parameters ?? [];
  if (!ps.length) return null;
  return [h('h4', {}, '参数'), table(['名称', '位置', '类型', '必填', '说明'], ps.map((p) => [
    h('code', {}, p.name), WHERE[p.in] ?? p.in, typeCell(p.schema), p.required ? '是' : '否', p.description ?? '',
  ]))];
}

function requestBody(doc, op) {
  const body = op.requestBody;
  if (!body) return null;
  const out = [h('h4', {}, '请求体')];
  if (body.description) out.push(h('p', { class: 'small' }, body.description));
  for (const [type, media] of Object.entries(body.content ?? {})) {
    out.push(h('p', { class: 'small' }, h('code', {}, type)));
    if (media.schema) out.push(fields(doc, media.schema));
    const example = media.example ?? Object.values(media.examples ?? {})[0]?.value;
    if (example !== undefined) out.push(h('p', { class: 'small muted' }, '示例：'), pre(example));
  }
  return out;
}

function responses(op) {
  const rows = Object.entries(op.responses ?? {}).map(([code, r]) => [
    h('code', {}, code),
    Object.entries(r.content ?? {}).map(([type, m]) => h('div', {}, h('code', {}, type), ' ', typeCell(m.schema))),
    r.description ?? '',
  ]);
  return [h('h4', {}, '应答'), table(['状态', '内容', '说明'], rows)];
}

function operation(doc, path, method, op) {
  const open = Array.isArray(op.security) && op.security.length === 0;
  const id = op.operationId ?? `${method}-${path}`;
  return h('section', { class: 'api-op', id: `op-${id}` },
    h('h3', {},
      h('span', { class: `api-method api-${method}` }, method.toUpperCase()), ' ',
      h('code', {}, path)),
    h('p', { class: 'api-name' }, NAMES[id] ?? op.summary ?? id,
      ' ', h('span', { class: open ? 'badge ok' : 'badge unsure' }, open ? '公开' : '需令牌')),
    op.summary ? h('p', { class: 'small muted' }, op.summary) : null,
    op.description ? h('p', { class: 'small' }, op.description) : null,
    h('p', { class: 'small muted' }, 'operationId: ', h('code', {}, id)),
    parameters(op),
    requestBody(doc, op),
    responses(op));
}

function render(doc) {
  $('api-title').textContent = `接口文档 · ${doc.info?.title ?? 'API'} ${doc.info?.version ?? ''}`.trim();
  const tags = (doc.tags ?? []).map((t) => t.name);
  const byTag = new Map(tags.map((t) => [t, []]));
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const m of METHODS) {
      if (!item[m]) continue;
      const tag = item[m].tags?.[0] ?? 'other';
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag).push([path, m, item[m]]);
    }
  }
  const described = Object.fromEntries((doc.tags ?? []).map((t) => [t.name, t.description ?? '']));
  const ops = $('api-ops');
  const toc = $('api-toc');
  for (const [tag, list] of byTag) {
    if (!list.length) continue;
    // Tag descriptions start with the Chinese name: `企业登记 · Company registration…`.
    const zh = (described[tag] || '').split(' · ')[0];
    const title = zh && zh !== described[tag] ? `${zh} · ${tag}` : tag;
    toc.append(h('a', { href: `#tag-${tag}` }, title));
    // `h` skips empty children (the DOM's own `append` would write "null").
    ops.append(h('div', { class: 'api-tag' },
      h('h2', { id: `tag-${tag}` }, title),
      described[tag] ? h('p', { class: 'hint' }, described[tag]) : null,
      list.map(([path, m, op]) => operation(doc, path, m, op))));
  }
  toc.append(h('a', { href: '#schemas' }, '数据结构 · Schemas'));
  const schemas = Object.entries(doc.components?.schemas ?? {}).sort(([a], [b]) => a.localeCompare(b));
  $('api-schemas').append(h('div', {}, schemas.map(([name, s]) => h('section', { class: 'api-schema', id: `schema-${name}` },
    h('h3', {}, h('code', {}, name)),
    s.description ? h('p', { class: 'small' }, s.description) : null,
    fields(doc, s)))));
  document.body.dataset.loaded = 'true';
}

api('GET', '/v1/openapi.json')
  .then(render)
  .catch((e) => say($('api-error'), `无法读取接口描述：${e.message}`));
