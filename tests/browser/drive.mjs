// Drives the wallet and verifier pages in headless Chromium (Debian's, never a downloaded
// one) for tests/browser.rs. One phase per run:
//
//   node drive.mjs unit      the pure page modules (assets/sdjwt.js, assets/format.js)
//   node drive.mjs wallet    sign in, read the licence card, 出示, screenshots, renewal
//   node drive.mjs verifier  upload a screenshot, paste bad tokens, the camera message
//   node drive.mjs seals     a real e-seal shown and verified with its filed image;
//                            invoices (not issued yet) from an intercepted wallet answer
//   node drive.mjs indicators  /indicators with a token: charts, tables, screenshots
//   node drive.mjs api       /api: the OpenAPI document rendered, on a desktop and a phone
//
// Input comes in environment variables (the wallet token never on a command line):
// ZT_BASE, ZT_USCC, ZT_WALLET_TOKEN, ZT_ARTIFACTS, ZT_IMAGE, ZT_TOKEN, ZT_SEAL_CREDENTIAL,
// ZT_CHROMIUM.
// Prints one line `RESULT <json>` for the Rust side and exits 0; on any failure prints
// why (with a screenshot in ZT_ARTIFACTS) and exits 1.

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const env = (name, fallback) => {
  const v = process.env[name] ?? fallback;
  if (v === undefined) throw new Error(`${name} is not set`);
  return v;
};

const LAUNCH_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const PHONE = {
  viewport: { width: 375, height: 812 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
};
const DESKTOP = { viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 };

const result = { external_requests: [], page_errors: [] };
let artifacts;
let lastPage = null;

// The whole run is bounded: a hung browser fails the test instead of hanging it.
setTimeout(() => {
  console.error('drive.mjs: gave up after 150 s');
  process.exit(1);
}, 150_000).unref();

async function launch() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: env('ZT_CHROMIUM', '/usr/bin/chromium'),
    headless: true,
    args: LAUNCH_ARGS,
    timeout: 60_000,
  });
}

/** Runs `fn` with a browser; on failure keeps a screenshot of the page as it was. */
async function withBrowser(fn) {
  const browser = await launch();
  try {
    await fn(browser);
  } catch (e) {
    if (lastPage && !lastPage.isClosed()) {
      const path = join(artifacts, `failure-${process.argv[2]}.png`);
      await lastPage.screenshot({ path, fullPage: true }).then(
        () => console.error(`screenshot of the page at the failure: ${path}`),
        () => {},
      );
    }
    throw e;
  } finally {
    await browser.close();
  }
}

/** A context that lets the page talk to our server only, and records what it tried. */
async function newContext(browser, base, device) {
  const ctx = await browser.newContext({
    ...device,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    serviceWorkers: 'block',
  });
  ctx.setDefaultTimeout(20_000);
  await ctx.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(base + '/')) return route.continue();
    result.external_requests.push(url);
    return route.abort();
  });
  return ctx;
}

async function newPage(ctx) {
  const page = await ctx.newPage();
  lastPage = page;
  page.on('pageerror', (e) => result.page_errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    // Failed requests are expected where the test makes them fail (bad token, no QR);
    // anything else at error level (a CSP refusal, an exception) is a finding.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) {
      result.page_errors.push(`console: ${m.text()}`);
    }
  });
  return page;
}

async function shot(page, name, fullPage = false) {
  const path = join(artifacts, name);
  await page.screenshot({ path, fullPage });
  return path;
}

/** Widths that show whether the page scrolls sideways. */
async function widths(page) {
  return page.evaluate(() => ({
    inner: window.innerWidth,
    doc: document.documentElement.scrollWidth,
    body: document.body.scrollWidth,
  }));
}

function assertNoSideScroll(w, where) {
  assert.ok(
    w.doc <= w.inner && w.body <= w.inner,
    `${where}: the page scrolls sideways (${JSON.stringify(w)})`,
  );
}

const text = (page, sel) => page.locator(sel).innerText();

// ---- unit ----------------------------------------------------------------------------

async function unit() {
  const sd = await import('../../assets/sdjwt.js');
  const fmt = await import('../../assets/format.js');

  for (const len of [0, 1, 3, 55, 56, 63, 64, 65, 119, 120, 1000]) {
    const bytes = randomBytes(len);
    const ours = Buffer.from(sd.sha256(new Uint8Array(bytes))).toString('hex');
    assert.equal(ours, createHash('sha256').update(bytes).digest('hex'), `sha256 of ${len} bytes`);
  }
  assert.equal(
    Buffer.from(sd.sha256(new TextEncoder().encode('abc'))).toString('hex'),
    'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
  );
  // RFC 9901's example disclosure and its digest.
  assert.equal(
    sd.disclosureDigest('WyI2cU1RdlJMNWhhaiIsICJmYW1pbHlfbmFtZSIsICJNw7ZiaXVzIl0'),
    'uutlBuYeMDyjLLTpf6Jxi7yNkEF35jdyWMn9U7b_RYY',
  );
  assert.deepEqual(sd.b64urlJson('WyI2cU1RdlJMNWhhaiIsICJmYW1pbHlfbmFtZSIsICJNw7ZiaXVzIl0'), [
    '6qMQvRL5haj',
    'family_name',
    'Möbius',
  ]);

  // An SD-JWT built here: a nested disclosure lands inside its object, not at the top.
  const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const dName = enc(['salt1', 'name', '张三']);
  const dAddr = enc(['salt2', 'address', '广州市天河区']);
  const payload = {
    name: '示例公司',
    registered_capital_fen: 100000000,
    legal_representative: { _sd: [sd.disclosureDigest(dName)] },
    _sd: [sd.disclosureDigest(dAddr)],
    _sd_alg: 'sha-256',
  };
  const jwt = `${enc({ alg: 'ES256' })}.${enc(payload)}.c2ln`;
  const got = sd.decodeSdJwt(`${jwt}~${dName}~${dAddr}~`);
  assert.equal(got.claims.name, '示例公司');
  assert.equal(got.claims.legal_representative.name, '张三');
  assert.equal(got.claims.address, '广州市天河区');
  assert.deepEqual(got.disclosed.sort(), ['address', 'legal_representative.name']);
  assert.throws(() => sd.decodeSdJwt('not a credential'));
  assert.throws(() => sd.decodeSdJwt('a.b~'));

  // Money in exact integers: fen → 万元 and 元.
  const wan = [
    [100000000, '100'],
    [0, '0'],
    [1, '0.000001'],
    [123456789, '123.456789'],
    [12345678901, '12345.678901'],
    [99999999999999, '99999999.999999'],
    [100000000000000, '100000000'],
    ['100000000000000000001', '100000000000000.000001'],
    [1.5, null],
    [Number.MAX_SAFE_INTEGER + 2, null],
  ];
  for (const [fen, want] of wan) assert.equal(fmt.fenToWan(fen), want, `fenToWan(${fen})`);
  assert.equal(fmt.capitalText(500000000), '人民币500万元');
  assert.equal(fmt.fenToYuan(123456789), '1,234,567.89');
  assert.equal(fmt.fenToYuan(5), '0.05');
  assert.equal(fmt.maskName('张三'), '张*');
  assert.equal(fmt.maskName('欧阳娜娜'), '欧***');
  assert.equal(fmt.maskName('𠮷野家'), '𠮷**');
  assert.equal(fmt.dateText('2024-03-01'), '2024年03月01日');
  assert.equal(fmt.mmss(299.2), '5:00');
  assert.equal(fmt.mmss(-3), '0:00');
  assert.equal(fmt.statusOf('revoked', null).text, '已撤销');
  assert.equal(fmt.statusOf('valid', '2000-01-01T00:00:00Z').text, '已过期');
  assert.equal(fmt.statusOf('valid', '2999-01-01T00:00:00Z').text, '有效');
  assert.ok(fmt.USCC_RE.test('91440101MA5900001Y'));
  assert.ok(!fmt.USCC_RE.test('91440101MA5900001I'));
  result.unit = 'passed';
}

// ---- wallet --------------------------------------------------------------------------

async function signIn(page, base, uscc, token) {
  await page.goto(`${base}/wallet?uscc=${uscc}`);
  await page.locator('#signin').waitFor({ state: 'visible' });
  await page.fill('#token', token);
  await page.click('#signin-button');
  await page.locator('#wallet').waitFor({ state: 'visible' });
}

async function qrSrc(page) {
  return page.locator('#qr').getAttribute('src');
}

async function waitQrShown(page) {
  await page.waitForFunction(() => {
    const img = document.getElementById('qr');
    return img && !img.hidden && img.complete && img.naturalWidth > 0;
  });
}

async function wallet() {
  const base = env('ZT_BASE');
  const uscc = env('ZT_USCC');
  const token = env('ZT_WALLET_TOKEN');
  await withBrowser(async (browser) => {
    const ctx = await newContext(browser, base, PHONE);
    // A controllable clock: the test jumps ahead minutes instead of waiting for them.
    await ctx.clock.install();
    const page = await newPage(ctx);

    await page.goto(`${base}/wallet?uscc=${uscc}`);
    await page.locator('#signin').waitFor({ state: 'visible' });
    assert.equal(await page.inputValue('#uscc'), uscc, 'the USCC from ?uscc= is filled in');
    assertNoSideScroll(await widths(page), 'sign-in, 375 px');
    await shot(page, 'wallet-signin-phone.png');

    // A wrong token: a message in Chinese with the server's detail, and no session kept.
    await page.fill('#token', 'zt_wrong');
    await page.click('#signin-button');
    await page.locator('#signin-error').waitFor({ state: 'visible' });
    result.bad_signin_message = await text(page, '#signin-error');
    assert.equal(await page.evaluate(() => sessionStorage.length), 0);

    await page.fill('#token', token);
    await page.click('#signin-button');
    await page.locator('#wallet').waitFor({ state: 'visible' });
    result.url_after_signin = page.url();
    result.session_has_token = await page.evaluate(
      (t) => (sessionStorage.getItem('zt.wallet') ?? '').includes(t),
      token,
    );
    result.company_heading = await text(page, '#company-name');
    const card = page.locator('.licence').first();
    const f = async (name) => card.locator(`[data-field="${name}"]`).innerText();
    result.licence = {
      uscc: await f('uscc'),
      name: await f('name'),
      legal_representative: await f('rep'),
      registered_capital: await f('cap'),
      established_on: await f('date'),
      address: await f('addr'),
      business_scope: await f('scope'),
      issuing_authority: await f('authority'),
      status: await page.locator('.cred .badge').first().innerText(),
    };
    result.wallet_text = await page.locator('main').innerText();
    result.wallet_phone_widths = await widths(page);
    assertNoSideScroll(result.wallet_phone_widths, 'wallet, 375 px');
    await shot(page, 'wallet-phone.png', true);

    // The session survives a reload of the tab.
    await page.reload();
    await page.locator('#wallet').waitFor({ state: 'visible' });

    // 出示: a large QR code with a countdown.
    await page.getByRole('button', { name: '出示' }).first().click();
    await waitQrShown(page);
    result.countdown_first = await text(page, '#countdown');
    result.qr_box = await page.locator('#qr').boundingBox();
    assertNoSideScroll(await widths(page), 'QR overlay, 375 px');
    const first = await qrSrc(page);
    await shot(page, 'present-phone.png');

    // Renewal: 271 s later (30 s before the end of a 300 s code) a new code replaces it.
    await page.clock.fastForward('04:31');
    await page.waitForFunction((old) => {
      const img = document.getElementById('qr');
      return !img.hidden && img.getAttribute('src') !== old && img.naturalWidth > 0;
    }, first);
    result.renewed = true;
    result.countdown_renewed = await text(page, '#countdown');
    await shot(page, 'present-renewed.png');

    // The server unreachable at renewal time: the code is taken down before it expires,
    // never left on screen stale, and comes back when the server does.
    const second = await qrSrc(page);
    await page.route('**/presentations', (r) => r.abort());
    await page.clock.fastForward('04:35');
    await page.locator('#present-error').waitFor({ state: 'visible' });
    result.renew_error_message = await text(page, '#present-error');
    await page.clock.fastForward('00:20');
    await page.locator('#qr-wait').waitFor({ state: 'visible' });
    result.qr_hidden_near_expiry = await page.locator('#qr').isHidden();
    result.qr_wait_message = await text(page, '#qr-wait');
    await shot(page, 'present-expired-phone.png');
    await page.unroute('**/presentations');
    await page.clock.fastForward('00:06');
    await page.waitForFunction((old) => {
      const img = document.getElementById('qr');
      return !img.hidden && img.getAttribute('src') !== old && img.naturalWidth > 0;
    }, second);
    result.recovered = true;

    await page.click('#present-close');
    await page.locator('#present').waitFor({ state: 'hidden' });
    await page.click('#signout');
    await page.locator('#signin').waitFor({ state: 'visible' });
    result.session_after_signout = await page.evaluate(() => sessionStorage.length);
    await ctx.close();

    // The same on a desktop screen.
    const desk = await newContext(browser, base, DESKTOP);
    const dpage = await newPage(desk);
    await signIn(dpage, base, uscc, token);
    result.wallet_desktop_widths = await widths(dpage);
    assertNoSideScroll(result.wallet_desktop_widths, 'wallet, 1280 px');
    await shot(dpage, 'wallet-desktop.png', true);
    await dpage.getByRole('button', { name: '出示' }).first().click();
    await waitQrShown(dpage);
    await shot(dpage, 'present-desktop.png');
    await desk.close();
  });
}

// ---- verifier ------------------------------------------------------------------------

async function readResult(page) {
  return {
    indication: await page.locator('#result').getAttribute('data-indication'),
    verdict: await text(page, '#verdict'),
    sub: await text(page, '#verdict-sub'),
    reason: await text(page, '#reason'),
    facts: await page.locator('#facts').innerText(),
    class: await page.locator('#result').getAttribute('class'),
  };
}

async function waitVerdict(page, indication) {
  await page.waitForFunction(
    (want) => {
      const r = document.getElementById('result');
      return r && !r.hidden && r.dataset.indication === want;
    },
    indication,
  );
}

async function verifier() {
  const base = env('ZT_BASE');
  const image = env('ZT_IMAGE');
  const token = env('ZT_TOKEN');
  await withBrowser(async (browser) => {
    const ctx = await newContext(browser, base, PHONE);
    const page = await newPage(ctx);
    await page.goto(`${base}/verify`);
    await page.locator('#scan-start').waitFor({ state: 'visible' });
    assertNoSideScroll(await widths(page), 'verifier, 375 px');
    const emptyShot = await shot(page, 'verify-empty-phone.png');

    // The screenshot of the wallet's QR code, uploaded.
    await page.setInputFiles('#file', image);
    await waitVerdict(page, 'TOTAL_PASSED');
    result.upload = await readResult(page);
    assertNoSideScroll(await widths(page), 'verifier result, 375 px');
    await shot(page, 'verify-valid-phone.png', true);

    // A picture without a QR code: a plain message, no verdict.
    await page.setInputFiles('#file', emptyShot);
    await page.locator('#verify-error').waitFor({ state: 'visible' });
    result.no_qr_message = await text(page, '#verify-error');
    result.no_qr_result_hidden = await page.locator('#result').isHidden();

    // Garbage pasted.
    await page.fill('#token-input', 'not-a-token');
    await page.click('#token-form button[type=submit]');
    await waitVerdict(page, 'TOTAL_FAILED');
    result.garbage = await readResult(page);
    await shot(page, 'verify-invalid-phone.png', true);

    // The real token with its signature altered.
    const [h, p, s] = token.split('.');
    const flipped = (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
    await page.fill('#token-input', `${h}.${p}.${flipped}`);
    // The garbage result is still shown, also TOTAL_FAILED: wait for its reason to change,
    // or the old result would be read as this one's.
    const before = await text(page, '#reason');
    await page.click('#token-form button[type=submit]');
    await page.waitForFunction(
      (old) => {
        const r = document.getElementById('reason').innerText;
        return r.length > 0 && r !== old;
      },
      before,
    );
    await waitVerdict(page, 'TOTAL_FAILED');
    result.tampered = await readResult(page);

    // The real token pasted verifies too.
    await page.fill('#token-input', token);
    await page.click('#token-form button[type=submit]');
    await waitVerdict(page, 'TOTAL_PASSED');
    result.pasted = await readResult(page);

    // The camera: BarcodeDetector where the browser has it, else a clear message.
    result.has_barcode_detector = await page.evaluate(() => 'BarcodeDetector' in window);
    await page.click('#scan-start');
    if (!result.has_barcode_detector) {
      await page.locator('#scan-message').waitFor({ state: 'visible' });
      result.camera_message = await text(page, '#scan-message');
    }
    await ctx.close();

    const desk = await newContext(browser, base, DESKTOP);
    const dpage = await newPage(desk);
    await dpage.goto(`${base}/verify`);
    await dpage.setInputFiles('#file', image);
    await waitVerdict(dpage, 'TOTAL_PASSED');
    assertNoSideScroll(await widths(dpage), 'verifier, 1280 px');
    await shot(dpage, 'verify-valid-desktop.png', true);
    await desk.close();
  });
}

// ---- seals and invoices --------------------------------------------------------------

const SEAL_SVG = readFileSync(new URL('../golden/official_round.svg', import.meta.url), 'utf8');
const b64u = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');

/** An (unsigned) SD-JWT as the wallet lists it: the page only reads it. */
function fakeSdJwt(claims) {
  return `${b64u({ alg: 'ES256', typ: 'dc+sd-jwt' })}.${b64u(claims)}.c2lnbmF0dXJl~`;
}

function fakeCredential(id, type, claims) {
  return {
    id,
    type,
    status: 'valid',
    issued_at: '2026-01-05T02:00:00Z',
    expires_at: '2999-01-01T00:00:00Z',
    sd_jwt: fakeSdJwt({ credential_type: type, ...claims }),
  };
}

async function seals() {
  const base = env('ZT_BASE');
  const uscc = env('ZT_USCC');
  const token = env('ZT_WALLET_TOKEN');
  const sealCred = env('ZT_SEAL_CREDENTIAL');
  await withBrowser(async (browser) => {
    const ctx = await newContext(browser, base, PHONE);
    const page = await newPage(ctx);
    // The real wallet (with the e-seal the server issued), plus what the server does not
    // issue yet: an invoice, and a seal whose filing this node does not hold.
    await page.route(`**/v1/wallets/${uscc}`, async (route) => {
      const real = await route.fetch();
      const w = await real.json();
      w.credentials.push(
        fakeCredential('seal-elsewhere', 'e_seal', {
          seal_type: 'contract',
          seal_name: '合同专用章',
          filing_id: 'F-NOT-HERE',
        }),
        fakeCredential('inv-1', 'e_invoice', {
          invoice_number: '26442000000000000001',
          buyer: { name: '广州某某贸易有限公司' },
          total_with_tax_fen: 11300,
          issued_on: '2026-01-05',
        }),
      );
      await route.fulfill({ response: real, json: w });
    });
    await signIn(page, base, uscc, token);
    const realSeal = page.locator(`[data-credential="${sealCred}"]`);
    await page.waitForFunction((id) => {
      const img = document.querySelector(`[data-credential="${id}"] img`);
      return img && img.complete && img.naturalWidth > 0;
    }, sealCred);
    result.seal_image_src = await realSeal.locator('img').getAttribute('src');
    result.seal_card = await realSeal.innerText();
    await page.locator('[data-credential="seal-elsewhere"] .seal-missing').waitFor({ state: 'visible' });
    result.other_seal_card = await page.locator('[data-credential="seal-elsewhere"]').innerText();
    result.invoice_cards = await page.locator('#invoices').innerText();
    assertNoSideScroll(await widths(page), 'wallet with seals, 375 px');
    await shot(page, 'wallet-seals-phone.png', true);

    // 出示 the seal; the verifier uploads the screenshot and sees the filed seal image.
    await realSeal.getByRole('button', { name: '出示' }).click();
    await waitQrShown(page);
    const sealShot = await shot(page, 'present-seal-phone.png');
    const vpage = await newPage(ctx);
    await vpage.goto(`${base}/verify`);
    await vpage.setInputFiles('#file', sealShot);
    await waitVerdict(vpage, 'TOTAL_PASSED');
    await vpage.waitForFunction(() => {
      const img = document.getElementById('seal-img');
      return !document.getElementById('seal-figure').hidden && img.complete && img.naturalWidth > 0;
    });
    result.seal_report = { ...(await readResult(vpage)), caption: await text(vpage, '#seal-caption') };
    assertNoSideScroll(await widths(vpage), 'seal report, 375 px');
    await shot(vpage, 'verify-seal-phone.png', true);

    // A sealed document's report compares with the filing: that sentence is shown.
    await vpage.route('**/v1/verify', (route) =>
      route.fulfill({
        json: {
          subject: 'sealed_document',
          indication: 'TOTAL_PASSED',
          checks: [{ name: 'signature', result: 'PASSED', reason: 'ok' }],
          summary: {
            credential_type: 'e_seal',
            credential_type_name: '电子印章',
            company_name: '广州示例科技有限公司',
            uscc,
            details: { seal_type: 'official', seal_image_svg: SEAL_SVG, matches_police_filing: true },
          },
        },
      }),
    );
    await vpage.fill('#token-input', 'a.b.c');
    await vpage.click('#token-form button[type=submit]');
    await vpage.waitForFunction(() => document.getElementById('seal-caption').innerText.includes('同章同模'));
    result.matching_caption = await text(vpage, '#seal-caption');

    // Status unknown: amber, with the first failed check's reason, and no seal image.
    await vpage.unroute('**/v1/verify');
    await vpage.route('**/v1/verify', (route) =>
      route.fulfill({
        json: {
          subject: 'presentation',
          indication: 'INDETERMINATE',
          sub_indication: 'TRY_LATER',
          checks: [
            { name: 'signature', result: 'PASSED', reason: 'ok' },
            { name: 'credential_status', result: 'FAILED', reason: 'the status service of 上海市 is not reachable' },
          ],
        },
      }),
    );
    await vpage.click('#token-form button[type=submit]');
    await waitVerdict(vpage, 'INDETERMINATE');
    result.unknown_report = await readResult(vpage);
    result.unknown_seal_hidden = await vpage.locator('#seal-figure').isHidden();
    await shot(vpage, 'verify-unknown-phone.png', true);
    await ctx.close();
  });
}

// ---- indicators ----------------------------------------------------------------------

/** Every figure on the page (data-k → data-v), and what each chart drew. */
async function figures(page) {
  return page.evaluate(() => {
    const out = {};
    for (const el of document.querySelectorAll('[data-k]')) out[el.dataset.k] = el.dataset.v;
    const chart = (id) => ({
      svg: document.querySelectorAll(`#${id} svg`).length,
      bars: [...document.querySelectorAll(`#${id} rect[data-value]`)].map((r) => [r.dataset.series, Number(r.dataset.value)]),
      dots: [...document.querySelectorAll(`#${id} circle[data-q]`)].map((c) => [c.dataset.q, Number(c.dataset.value)]),
    });
    return {
      figures: out,
      startups: chart('chart-startups'),
      verifications: chart('chart-verifications'),
      issued: chart('chart-issued'),
    };
  });
}

async function indicators() {
  const base = env('ZT_BASE');
  const token = env('ZT_TOKEN');
  const q = `?from=${env('ZT_FROM')}&to=${env('ZT_TO')}`;
  await withBrowser(async (browser) => {
    for (const [name, device] of [['desktop', DESKTOP], ['phone', PHONE]]) {
      const ctx = await newContext(browser, base, device);
      const page = await newPage(ctx);
      await page.goto(`${base}/indicators${q}`);
      await page.fill('#token', token);
      await page.click('#go');
      await page.waitForSelector('body[data-loaded="true"]');
      await shot(page, `indicators-${name}.png`, true);
      result[name] = await figures(page);
      result[`${name}_widths`] = await widths(page);
      assertNoSideScroll(result[`${name}_widths`], `indicators on the ${name}`);
      await ctx.close();
    }
    // A wrong token: the page says why, and draws nothing.
    const ctx = await newContext(browser, base, DESKTOP);
    const page = await newPage(ctx);
    await page.goto(`${base}/indicators${q}`);
    await page.fill('#token', 'zt_not_a_token');
    await page.click('#go');
    await page.waitForSelector('#error:not([hidden])');
    result.bad_token_error = await text(page, '#error');
    result.bad_token_hidden = await page.locator('#out').isHidden();
    await ctx.close();
  });
}

/** `/api`: the OpenAPI document rendered, on a desktop and a phone. */
async function apiPage() {
  const base = env('ZT_BASE');
  await withBrowser(async (browser) => {
    for (const [name, device] of [['desktop', DESKTOP], ['phone', PHONE]]) {
      const ctx = await newContext(browser, base, device);
      const page = await newPage(ctx);
      await page.goto(`${base}/api`);
      await page.waitForSelector('body[data-loaded="true"]');
      await shot(page, `api-${name}.png`);
      result[name] = await page.evaluate(() => ({
        ids: [...document.querySelectorAll('.api-op')].map((e) => e.id.replace(/^op-/, '')),
        names: [...document.querySelectorAll('.api-name')].map((e) => e.firstChild.textContent),
        examples: document.querySelectorAll('.api-example').length,
        schemas: document.querySelectorAll('.api-schema').length,
        schema_links: [...document.querySelectorAll('a[href^="#schema-"]')]
          .filter((a) => !document.getElementById(a.getAttribute('href').slice(1)))
          .map((a) => a.getAttribute('href')),
        error_hidden: document.getElementById('api-error').hidden,
      }));
      assertNoSideScroll(await widths(page), `the API page on the ${name}`);
      await ctx.close();
    }
  });
}

// ---- main ----------------------------------------------------------------------------

const phases = { unit, wallet, verifier, seals, indicators, api: apiPage };
const phase = process.argv[2];
try {
  if (!phases[phase]) throw new Error(`usage: node drive.mjs ${Object.keys(phases).join('|')}`);
  if (phase !== 'unit') {
    artifacts = env('ZT_ARTIFACTS');
    mkdirSync(artifacts, { recursive: true });
  }
  await phases[phase]();
  console.log(`RESULT ${JSON.stringify(result)}`);
  process.exit(0);
} catch (e) {
  console.error(`drive.mjs ${phase}: ${e?.stack ?? e}`);
  console.error(`partial result: ${JSON.stringify(result)}`);
  process.exit(1);
}
