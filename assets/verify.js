// The verifier's page: a token pasted, a photo of a QR code uploaded, or the camera
// (BarcodeDetector, where the browser has it). The answer in plain words: 有效 / 无效 /
// 无法确认, the reason, the company, and the seal's image for a seal.

import { $, api, h, say, show } from './ui.js';
import { instantText, sealTypeText } from './format.js';

const VERDICTS = {
  TOTAL_PASSED: { text: '有效', tone: 'ok', icon: '✓' },
  TOTAL_FAILED: { text: '无效', tone: 'bad', icon: '✗' },
  INDETERMINATE: { text: '无法确认', tone: 'unsure', icon: '?' },
};

/** What each sub-indication means for the person at the counter. */
const SUB_WORDS = {
  FORMAT_FAILURE: '这不是证通签发的证照二维码或令牌。',
  HASH_FAILURE: '内容与签名不符，可能被改动过。',
  SIG_CRYPTO_FAILURE: '签名不符：内容在签发后被改动过，或是伪造的。',
  REVOKED: '该证照已被签发机关撤销。',
  EXPIRED: '已过期。请企业重新出示。',
  NOT_YET_VALID: '尚未生效：请检查出示设备或本设备的时间。',
  NO_CERTIFICATE_CHAIN_FOUND: '签发机构不在本核验点信任的名单里。',
  CHAIN_CONSTRAINTS_FAILURE: '签名证书无权签发此类证照。',
  SIG_CONSTRAINTS_FAILURE: '签发地区与签名证书不符。',
  TRY_LATER: '暂时无法查询证照状态，请稍后再试。',
};

const CHECK_RESULT_WORDS = { PASSED: '通过', FAILED: '未通过', WARNING: '警告', SKIPPED: '未检查' };

/** Longest side of an uploaded photo; bigger ones are scaled down before upload. */
const MAX_SIDE = 2000;

let sealUrl = null;
let busy = false;

function startBusy() {
  busy = true;
  show($('busy'), true);
  say($('verify-error'), '');
}

function endBusy() {
  busy = false;
  show($('busy'), false);
}

// ---- the three ways in ---------------------------------------------------------------

async function verifyToken(token) {
  const t = String(token ?? '').trim();
  if (!t) {
    say($('verify-error'), '请先粘贴令牌。');
    return;
  }
  startBusy();
  try {
    showReport(await api('POST', '/v1/verify', { json: { token: t } }));
  } catch (e) {
    hideReport();
    say($('verify-error'), `核验请求失败：${e.message}`);
  } finally {
    endBusy();
  }
}

async function verifyFile(file) {
  if (!file) return;
  say($('file-name'), `已选择：${file.name}`);
  if (!/^image\/(png|jpeg)$/.test(file.type)) {
    hideReport();
    say($('verify-error'), '请上传 PNG 或 JPEG 格式的照片或截图。');
    return;
  }
  startBusy();
  try {
    // Where the browser can read QR codes itself, no image leaves the phone.
    const local = await detectInImage(file);
    if (local) {
      endBusy();
      await verifyToken(local);
      return;
    }
    const body = await shrink(file);
    showReport(await api('POST', '/v1/verify/image', { body, contentType: body.type || file.type }));
  } catch (e) {
    hideReport();
    const detail = e.problem?.detail;
    say(
      $('verify-error'),
      e.status === 422 && detail ? `没有从图片中读出二维码（${detail}）。请对准二维码重拍清楚一些，或粘贴令牌。` : `核验请求失败：${e.message}`,
    );
  } finally {
    endBusy();
  }
}

async function detectInImage(file) {
  if (!('BarcodeDetector' in window) || !('createImageBitmap' in window)) return null;
  try {
    const detector = new window.BarcodeDetector({ formats: ['qr_code'] });
    const codes = await detector.detect(await createImageBitmap(file));
    return codes.length ? codes[0].rawValue : null;
  } catch {
    return null; // fall back to the server
  }
}

/** Scales a large photo down (QR codes survive that; 12-megapixel uploads are slow). */
async function shrink(file) {
  if (!('createImageBitmap' in window)) return file;
  let bitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    return file; // let the server say what is wrong with it
  }
  const side = Math.max(bitmap.width, bitmap.height);
  if (side <= MAX_SIDE) return file;
  const scale = MAX_SIDE / side;
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext('2d').drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.95));
  return blob ?? file;
}

// ---- camera --------------------------------------------------------------------------

let stream = null;
let scanTimer = null;

async function startScan() {
  say($('scan-message'), '');
  if (!('BarcodeDetector' in window)) {
    say($('scan-message'), '此浏览器不能用摄像头识别二维码（不支持 BarcodeDetector）。请用手机相机拍下二维码后“上传二维码照片”，或粘贴令牌。');
    return;
  }
  if (!window.isSecureContext || !navigator.mediaDevices?.getUserMedia) {
    say($('scan-message'), '摄像头只能在 HTTPS 或本机地址打开的页面中使用。请改为上传二维码照片。');
    return;
  }
  let detector;
  try {
    const formats = await window.BarcodeDetector.getSupportedFormats();
    if (!formats.includes('qr_code')) throw new Error('qr_code');
    detector = new window.BarcodeDetector({ formats: ['qr_code'] });
  } catch {
    say($('scan-message'), '此浏览器的扫码功能不支持二维码。请上传二维码照片或粘贴令牌。');
    return;
  }
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
  } catch (e) {
    const denied = e && (e.name === 'NotAllowedError' || e.name === 'SecurityError');
    say($('scan-message'), denied ? '没有获得摄像头权限。请在浏览器设置中允许使用摄像头，或上传二维码照片。' : '无法打开摄像头。请上传二维码照片或粘贴令牌。');
    return;
  }
  const video = $('video');
  video.srcObject = stream;
  show($('scanner'), true);
  show($('scan-start'), false);
  try {
    await video.play();
  } catch {
    // autoplay refused: the frames still arrive once the user taps
  }
  const loop = async () => {
    if (!stream) return;
    try {
      const codes = await detector.detect(video);
      if (codes.length) {
        const token = codes[0].rawValue;
        stopScan();
        await verifyToken(token);
        return;
      }
    } catch {
      // a frame that could not be read: try the next one
    }
    scanTimer = setTimeout(loop, 250);
  };
  loop();
}

function stopScan() {
  clearTimeout(scanTimer);
  scanTimer = null;
  if (stream) for (const t of stream.getTracks()) t.stop();
  stream = null;
  $('video').srcObject = null;
  show($('scanner'), false);
  show($('scan-start'), true);
}

// ---- the answer ----------------------------------------------------------------------

function hideReport() {
  show($('result'), false);
}

function firstReason(report) {
  const checks = Array.isArray(report.checks) ? report.checks : [];
  const failed = checks.find((c) => c.result === 'FAILED');
  if (failed) return failed.reason;
  if (report.indication === 'TOTAL_PASSED') return '签名、签发机构、有效期和状态均已核验通过。';
  const warning = checks.find((c) => c.result === 'WARNING');
  return warning ? warning.reason : '';
}

function fact(label, value, key) {
  if (value === undefined || value === null || value === '') return [];
  return [h('dt', {}, label), h('dd', { dataset: { field: key } }, String(value))];
}

/** "公章", or "财务章 · 财务专用章" when the seal's own name differs from its type. */
function sealLine(d) {
  const type = d.seal_type ?? d.sl;
  const kind = d.seal_type_name ?? (type ? sealTypeText(type) : '');
  return [...new Set([d.seal_name, kind].filter(Boolean))].join(' · ');
}

function showReport(report) {
  const v = VERDICTS[report.indication] ?? VERDICTS.INDETERMINATE;
  const box = $('result');
  box.className = `result ${v.tone}`;
  box.dataset.indication = report.indication ?? '';
  $('verdict-icon').textContent = v.icon;
  $('verdict').textContent = v.text;
  const s = report.summary ?? null;
  const sub = report.sub_indication ? SUB_WORDS[report.sub_indication] ?? report.sub_indication : '';
  const kind = s?.credential_type_name || '';
  $('verdict-sub').textContent = [kind, sub].filter(Boolean).join(' · ');
  const reason = firstReason(report);
  $('reason').replaceChildren(
    ...(report.indication === 'TOTAL_PASSED' || !reason ? [] : [h('span', { class: 'reason-label' }, '原因：')]),
    reason,
  );

  const d = s?.details ?? {};
  const facts = s
    ? [
        ...fact('名称', s.company_name, 'company_name'),
        ...fact('统一社会信用代码', s.uscc, 'uscc'),
        ...fact('证照类型', s.credential_type_name || s.credential_type, 'type'),
        ...(s.credential_type === 'e_seal' ? fact('印章', sealLine(d), 'seal') : []),
        ...fact(s.credential_type === 'business_license' ? '登记机关' : '签发机关', s.issuing_authority, 'issuing_authority'),
        ...fact('地区', s.region_name, 'region_name'),
        ...fact('证照有效期至', s.valid_until ? instantText(s.valid_until) : '', 'valid_until'),
        ...fact('二维码有效期至', s.presentation_expires_at ? instantText(s.presentation_expires_at) : '', 'presentation_expires_at'),
      ]
    : [];
  $('facts').replaceChildren(...facts);
  show($('facts'), facts.length > 0);

  showSeal(d);

  const checks = Array.isArray(report.checks) ? report.checks : [];
  $('checks').replaceChildren(
    ...checks.map((c) =>
      h(
        'li',
        { class: `check ${String(c.result).toLowerCase()}` },
        h('b', {}, `${CHECK_RESULT_WORDS[c.result] ?? c.result}`),
        ` ${c.name}：${c.reason}`,
      ),
    ),
  );
  show(box, true);
  box.scrollIntoView({ block: 'start', behavior: 'smooth' });
}

function showSeal(details) {
  if (sealUrl) URL.revokeObjectURL(sealUrl);
  sealUrl = null;
  const svg = typeof details.seal_image_svg === 'string' ? details.seal_image_svg : '';
  const url = typeof details.seal_image_url === 'string' && details.seal_image_url.startsWith('/v1/') ? details.seal_image_url : '';
  if (svg.includes('<svg')) {
    // As an <img>, an SVG can draw but never run script.
    sealUrl = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }));
    $('seal-img').src = sealUrl;
  } else if (url) {
    $('seal-img').src = url;
  } else {
    show($('seal-figure'), false);
    return;
  }
  const m = details.matches_police_filing;
  const filing = details.police_filing_id ?? details.fid;
  $('seal-caption').textContent =
    m === true
      ? '印模与公安机关备案的印模一致（同章同模）'
      : m === false
        ? '注意：印模与公安机关备案的印模不一致'
        : filing
          ? `公安机关备案的印模（备案编号 ${filing}），请与所盖印章比对`
          : '印模';
  $('seal-caption').className = m === false ? 'bad' : '';
  show($('seal-figure'), true);
}

// ---- start ---------------------------------------------------------------------------

function start() {
  $('token-form').addEventListener('submit', (e) => {
    e.preventDefault();
    if (!busy) verifyToken($('token-input').value);
  });
  $('file').addEventListener('change', (e) => {
    const f = e.target.files?.[0];
    if (f && !busy) verifyFile(f);
    e.target.value = ''; // choosing the same photo again verifies again
  });
  $('scan-start').addEventListener('click', startScan);
  $('scan-stop').addEventListener('click', stopScan);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden' && stream) stopScan();
  });
}

start();
