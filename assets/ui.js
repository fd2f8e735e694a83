// Small DOM and API helpers shared by the pages. Text goes in with textContent only:
// nothing from the server or the user is ever parsed as HTML.

/** Creates an element: h('p', { class: 'x', dataset: { k: 'v' } }, 'text', child, ...). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export const $ = (id) => document.getElementById(id);

export function show(el, on = true) {
  el.hidden = !on;
}

/** Shows a message in an element (hides it when the message is empty). */
export function say(el, message) {
  el.textContent = message ?? '';
  el.hidden = !message;
}

/** An error from the API, with a message in Chinese that carries the server's `detail`. */
export class ApiError extends Error {
  constructor(status, message, problem) {
    super(message);
    this.status = status;
    this.problem = problem;
  }
}

const STATUS_WORDS = {
  400: '请求有误',
  401: '令牌无效或已失效',
  403: '没有权限',
  404: '找不到',
  405: '不支持此操作',
  409: '操作与当前状态冲突',
  413: '内容太大',
  415: '不支持的内容类型',
  422: '内容有误',
  429: '请求太频繁，请稍后再试',
};

function describe(status, problem) {
  const words = STATUS_WORDS[status] ?? (status >= 500 ? '服务器出错，请稍后再试' : `请求失败（${status}）`);
  const detail = problem && typeof problem.detail === 'string' ? problem.detail : '';
  return detail ? `${words}：${detail}` : words;
}

/**
 * Calls the API. `opts`: { token, json, body, contentType }. Resolves to the parsed JSON
 * body of a 2xx answer; rejects with an ApiError (status 0 when the server is unreachable).
 */
export async function api(method, path, opts = {}) {
  // The pages are Chinese: reports come back with Chinese reasons (the API's own default is
  // English).
  const headers = { Accept: 'application/json', 'Accept-Language': document.documentElement.lang || 'zh-CN' };
  let body;
  if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
  if (opts.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.json);
  } else if (opts.body !== undefined) {
    headers['Content-Type'] = opts.contentType || 'application/octet-stream';
    body = opts.body;
  }
  let resp;
  try {
    resp = await fetch(path, { method, headers, body, cache: 'no-store', credentials: 'omit' });
  } catch {
    throw new ApiError(0, '无法连接服务器，请检查网络后重试');
  }
  let data = null;
  try {
    data = await resp.json();
  } catch {
    data = null;
  }
  if (!resp.ok) throw new ApiError(resp.status, describe(resp.status, data), data);
  if (data === null) throw new ApiError(resp.status, '服务器的回答无法读取');
  return data;
}
