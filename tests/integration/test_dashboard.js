#!/usr/bin/env node
/*
 * test_dashboard.js — the browser half of test_dashboard.c: drives Debian's
 * headless Chromium (playwright-core, never a downloaded browser) against
 * the dashboard served by a real cunbaod whose broker, a real mosquitto,
 * already holds the example village's figures.
 *
 *   node test_dashboard.js PAGE_URL MQTT_PORT PLAYWRIGHT_CORE_DIR ARTIFACT_DIR RESTART_FLAG
 *
 * MQTT_PORT is the broker's TCP listener (full rights, for mosquitto_pub);
 * the page itself uses the WebSocket listener cunbaod names in
 * /dashboard/config.json, whose ACL lets it read rollup, completeness,
 * status and meta only.  To restart the broker the script prints
 * RESTART-BROKER and waits for the C side to create RESTART_FLAG.
 * Prints one "ok"/"not ok" line per check and exits 0 only when all pass.
 */
'use strict';
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const [PAGE, MQTT_PORT, PW_DIR, ARTIFACTS, RESTART_FLAG] = process.argv.slice(2);
const { chromium } = require(PW_DIR);
const ROOT = 'cunbao/v1';
const VILLAGE = 'xinzhuang/hexi';

let failed = 0;
function check(ok, what) {
	console.log(`${ok ? 'ok' : 'not ok'} - ${what}`);
	if (!ok)
		failed++;
	return ok;
}
const sleep = ms => new Promise(r => setTimeout(r, ms));

function pub(topic, obj) {
	execFileSync('mosquitto_pub', ['-h', '127.0.0.1', '-p', MQTT_PORT, '-q', '1', '-t', topic,
		'-m', JSON.stringify(obj)]);
}
/*
 * Subscribes to the receipts of source "dash" (mosquitto_sub -d, whose SUBACK
 * line says it listens) and resolves, once subscribed, to { at }: a promise of
 * the time the receipt of id arrived (-1: none within 15 s).  (Wrapped: a
 * promise resolved with a promise would wait for the inner one.)
 */
function receiptWatch(id) {
	return new Promise(subscribed => {
		/* stdbuf: mosquitto_sub writes to a pipe in blocks, and every line matters here. */
		const sub = spawn('stdbuf', ['-oL', 'mosquitto_sub', '-d', '-h', '127.0.0.1', '-p', MQTT_PORT, '-q', '1',
			'-t', `${ROOT}/receipt/dash`, '-W', '15']);
		let buf = '', ready = false, resolveAt;
		const at = new Promise(r => { resolveAt = r; });
		sub.stdout.on('data', chunk => {
			buf += chunk;
			if (!ready && buf.includes('SUBACK')) {
				ready = true;
				subscribed({ at });
			}
			if (buf.includes(`"id":"${id}"`)) {
				resolveAt(Date.now());
				sub.kill();
			}
		});
		sub.on('exit', () => { resolveAt(-1); if (!ready) subscribed({ at }); });
	});
}

function sms(id, from, text) {
	pub(`${ROOT}/inbox/sms`, { id, source: 'dash', channel: 'sms', from, text });
}

/* The period cunbaod gives a message sent now (Asia/Shanghai): "2026-12" for months. */
function monthOf(offset) {
	const d = new Date(Date.now() + 8 * 3600 * 1000);
	const m = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + offset, 1));
	return `${m.getUTCFullYear()}-${String(m.getUTCMonth() + 1).padStart(2, '0')}`;
}

/* A figure's selector, by the codes of what it shows. */
function fig(area, kind, field) {
	return `.v[data-area="${area}"][data-kind="${kind}"][data-field="${field}"]`;
}

/* Waits until the figure reads want; returns the milliseconds it took, or -1 after timeout. */
async function waitFigure(page, sel, want, timeout) {
	const t0 = Date.now();
	try {
		await page.waitForFunction(([s, v]) => {
			const e = document.querySelector(s);
			return e !== null && e.textContent === v;
		}, [sel, want], { timeout, polling: 10 });
		return Date.now() - t0;
	} catch (e) {
		return -1;
	}
}

async function text(page, sel) {
	const e = await page.$(sel);
	return e ? (await e.textContent()) : null;
}

/* Subscribes with mosquitto_sub -d and resolves once its SUBACK came; .done resolves with its output. */
function subscriber(topic, count) {
	/* Line-buffered: piped, its debug lines would come out only at exit. */
	const p = spawn('stdbuf', ['-oL', 'mosquitto_sub', '-d', '-h', '127.0.0.1', '-p', MQTT_PORT, '-q', '1', '-t', topic,
		'-C', String(count), '-W', '15']);
	let out = '';
	const done = new Promise(r => p.on('close', () => r(out)));
	const ready = new Promise(r => p.stdout.on('data', d => {
		out += d;
		if (/SUBACK/.test(out))
			r();
	}));
	return { ready, done };
}

async function figures(page, phase) {
	const month = monthOf(0);
	const want = [
		['livestock', 'cattle', '61'], ['livestock', 'pigs', '398'], ['livestock', 'sheep', '118'],
		['livestock', 'bought', '28'], ['road', 'hardened', '1920'], ['crops', 'intercrop', '227.74'],
		['crops', 'vegetables', '143.09'], ['labor', 'placed', '335'], ['sanitation', 'passed', '75'],
		['construction', 'toilets', '20']
	];
	for (const [kind, field, v] of want)
		check(await waitFigure(page, fig(VILLAGE, kind, field), v, 10000) >= 0,
		    `${phase}: village ${kind}.${field} reads ${v} (got ${await text(page, fig(VILLAGE, kind, field))})`);
	check(await page.getAttribute(fig(VILLAGE, 'livestock', 'cattle'), 'data-period') === month,
	    `${phase}: the cattle figure is of period ${month}`);
	check(await page.getAttribute(fig(VILLAGE, 'sanitation', 'passed'), 'data-value') === '0.75',
	    `${phase}: the pass rate's exact figure 0.75 is kept in data-value`);
	check(await waitFigure(page, fig(`${VILLAGE}/g03`, 'livestock', 'cattle'), '12', 10000) >= 0,
	    `${phase}: group 3's own cattle 12 in its row`);
	const count = '.count[data-kind="livestock"]';
	check(await waitFigure(page, count, '已报 7/8', 10000) >= 0,
	    `${phase}: livestock completeness reads 已报 7/8 (got ${await text(page, count)})`);
	const miss = await page.$$eval('[data-missing="1"][data-kind="livestock"]',
	    es => es.map(e => `${e.dataset.area}=${e.textContent}`));
	check(miss.includes(`${VILLAGE}/g04=四组`), `${phase}: group 4 is marked missing by name (${miss})`);
	check(!miss.join().includes('138'), `${phase}: no phone number among the missing`);
	const road = await page.$$eval('[data-missing="1"][data-kind="road"]', es => es.length);
	check(road >= 1, `${phase}: the groups without a road report are marked (${road})`);
}

async function main() {
	const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'cunbao-chromium-'));
	const ctx = await chromium.launchPersistentContext(profile, {
		executablePath: '/usr/bin/chromium',
		headless: true,
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
			'--disable-background-networking', '--disable-component-update', '--disable-sync'],
		viewport: { width: 1366, height: 900 }
	});
	const errors = [], foreign = [];
	let phase = 'load';
	const local = u => { try { return new URL(u).hostname === '127.0.0.1'; } catch (e) { return u.startsWith('data:'); } };
	try {
		await ctx.route('**/*', r => {
			if (local(r.request().url()) || r.request().url().startsWith('data:'))
				return r.continue();
			foreign.push(r.request().url());
			return r.abort();
		});
		const page = ctx.pages()[0] || await ctx.newPage();
		page.on('pageerror', e => errors.push(`${phase}: ${e}`));
		page.on('console', m => {
			/* While the broker restarts, Chromium itself reports the refused WebSocket. */
			if (m.type() === 'error' && !(phase === 'restart' && /WebSocket connection to 'ws:\/\/127\.0\.0\.1:\d+\/' failed/.test(m.text())) &&
			    !(phase === 'acl' && /WebSocket is already in CLOSING or CLOSED state/.test(m.text())))
				errors.push(`${phase}: ${m.text()}`);
		});
		page.on('websocket', ws => { if (!local(ws.url())) foreign.push(ws.url()); });
		page.on('request', r => { if (!local(r.url()) && !r.url().startsWith('data:')) foreign.push(r.url()); });

		/* Earlier months of group 1, so the trend has more than one point. */
		for (let i = 1; i <= 5; i++)
			pub(`${ROOT}/report/${VILLAGE}/g01`, { id: `dash:trend:${i}`, source: 'dash', kind: 'livestock',
				area: `${VILLAGE}/g01`, period: monthOf(-i), values: { cattle: 3 + i } });

		await page.goto(`${PAGE}#/${VILLAGE}`, { waitUntil: 'load' });
		check(await page.waitForFunction(() => document.getElementById('status').dataset.state === 'live',
		    null, { timeout: 10000 }).then(() => true, () => false), 'load: the page connects to the broker (live)');
		check(await text(page, '#status') === '实时', 'load: Chinese by default (实时)');
		await figures(page, 'load');
		check(await waitFigure(page, '#area-name', '河西村', 5000) >= 0, 'load: the village by its roster name 河西村');
		check(await page.$$eval('#tree a', as => as.map(a => a.textContent)).then(n =>
		    ['辛庄镇', '河西村', '一组', '八组'].every(x => n.includes(x))), 'load: the area tree names township, village and groups');
		check(await page.waitForFunction(() => (document.getElementById('chart').dataset.periods || '').split(' ').length >= 6,
		    null, { timeout: 10000 }).then(() => true, () => false), 'load: the trend holds 6 periods of the retained period topics');
		check(await page.$('#chart canvas') !== null, 'load: the trend chart is drawn');
		await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-desktop.png'), fullPage: true });

		phase = 'live';
		for (const [id, text, cattle] of [['dash:live:1', '牲畜 牛9 猪30 羊4', '70']]) {
			/* "Within 1 s of its receipt": the clock starts when the receipt reaches a subscriber. */
			const { at: receipt } = await receiptWatch(id);
			const t0 = Date.now();
			sms(id, '+8613800000004', text);
			const ms = await waitFigure(page, fig(VILLAGE, 'livestock', 'cattle'), cattle, 10000);
			const shown = Date.now(), receivedAt = await receipt;
			check(ms >= 0 && receivedAt > 0 && shown - receivedAt <= 1000,
			    `live: group 4's report (${text}) shows as cattle ${cattle} ${shown - receivedAt} ms after its ` +
			    `receipt (limit 1000; ${shown - t0} ms after it was sent)`);
		}
		check(await waitFigure(page, '.count[data-kind="livestock"]', '已报 8/8', 5000) >= 0, 'live: livestock completeness becomes 已报 8/8');
		check(await page.$$eval('[data-missing="1"][data-kind="livestock"]', es => es.length) === 0, 'live: no group missing livestock any more');

		/* The WebSocket user may read figures and names only: no publishing, no receipts, inbox or outbox. */
		phase = 'acl';
		/*
		 * A second client of the page's own, so that the page's connection is not the one the
		 * broker drops for publishing where it may not (mosquitto closes it; Chromium then logs
		 * that the WebSocket is closed, the one console error this phase allows).
		 */
		const granted = await page.evaluate(async root => {
			const c = mqtt.connect(window.cunbaoDashboard.url, { protocolVersion: 4, reconnectPeriod: 0, clientId: 'cunbao-dash-probe' });
			window.forbidden = [];
			c.on('message', t => { if (!/\/(rollup|completeness|status|meta)\//.test(t)) window.forbidden.push(t); });
			await new Promise(res => c.on('connect', res));
			const g = await new Promise(res => c.subscribe([`${root}/receipt/#`, `${root}/inbox/#`, `${root}/outbox/#`, `${root}/report/#`],
			    { qos: 1 }, (e, gr) => res(e ? String(e) : gr.map(x => x.qos))));
			c.publish(`${root}/report/xinzhuang/hexi/g04`, JSON.stringify({ id: 'dash-deny:1', source: 'dashdeny',
				kind: 'livestock', area: 'xinzhuang/hexi/g04', values: { cattle: 999 } }), { qos: 0 });
			c.publish(`${root}/inbox/sms`, JSON.stringify({ id: 'dash-deny:2', source: 'dashdeny', channel: 'sms',
				from: '+8613800000004', text: '更正 牲畜 牛999' }), { qos: 0 });
			window.probe = c;
			return g;
		}, ROOT);
		console.log(`# the broker granted the forbidden subscriptions: ${JSON.stringify(granted)}`);
		const sub = subscriber(`${ROOT}/receipt/dash`, 1);
		await sub.ready;
		sms('dash:acl:1', '+8613800000003', '查询 牲畜');
		const receipt = await sub.done;
		check(receipt.includes('dash:acl:1'), 'acl: a receipt went out on the broker meanwhile');
		await sleep(1000);	/* what the page would have received has arrived by now */
		const forbidden = await page.evaluate(() => { window.probe.end(true); return window.forbidden; });
		check(await page.evaluate(() => window.cunbaoDashboard.client.connected), 'acl: the page itself stayed connected');
		check(forbidden.length === 0, `acl: the page received nothing from receipt/inbox/outbox/report (${forbidden})`);
		check(await text(page, fig(VILLAGE, 'livestock', 'cattle')) === '70', 'acl: the page\'s own publications changed nothing (cattle 70)');

		phase = 'restart';
		await page.evaluate(() => {
			window.statusSeen = [];
			new MutationObserver(() => window.statusSeen.push(document.getElementById('status').textContent))
				.observe(document.getElementById('status'), { childList: true, characterData: true, subtree: true });
		});
		const t0 = Date.now();
		console.log('RESTART-BROKER');
		while (!fs.existsSync(RESTART_FLAG) && Date.now() - t0 < 60000)
			await sleep(50);
		check(fs.existsSync(RESTART_FLAG), 'restart: the broker was restarted');
		const back = await page.waitForFunction(() => document.getElementById('status').dataset.state === 'live',
		    null, { timeout: 30000 }).then(() => true, () => false);
		const seen = await page.evaluate(() => window.statusSeen);
		check(seen.includes('离线/重连中'), `restart: the page said 离线/重连中 while the broker was away (${seen})`);
		check(back, `restart: live again by itself ${Date.now() - t0} ms after the restart began`);
		phase = 'after';
		sms('dash:live:2', '+8613800000004', '更正 牲畜 牛11 猪30 羊4');
		check(await waitFigure(page, fig(VILLAGE, 'livestock', 'cattle'), '72', 20000) >= 0,
		    'after: a correction after the restart shows (cattle 72)');

		phase = 'english';
		await page.click('#lang');
		check(await waitFigure(page, '#status', 'live', 2000) >= 0, 'english: the switch turns the page English (live)');
		check(await text(page, '.kind[data-kind="livestock"] h3') !== null &&
		    (await text(page, '.kind[data-kind="livestock"] h3')).startsWith('livestock'), 'english: kind names in English');
		await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-desktop-en.png'), fullPage: true });
		await page.click('#lang');
		check(await waitFigure(page, '#status', '实时', 2000) >= 0, 'english: and back to Chinese');

		phase = 'phone';
		await page.setViewportSize({ width: 375, height: 812 });
		await sleep(300);	/* the resize re-renders within 30 ms; the chart is redrawn at the new width */
		const wide = await page.evaluate(() => document.documentElement.scrollWidth);
		check(wide <= 375, `phone: nothing wider than 375 px (${wide})`);
		check(await text(page, fig(VILLAGE, 'livestock', 'cattle')) === '72', 'phone: the figures are there');
		await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-phone.png'), fullPage: true });
		await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-phone-screen.png') });

		phase = 'top';
		await page.setViewportSize({ width: 1366, height: 900 });
		await page.goto(PAGE, { waitUntil: 'load' });
		check(await page.waitForFunction(() => document.getElementById('area-name').dataset.area === 'xinzhuang',
		    null, { timeout: 10000 }).then(() => true, () => false), 'top: without an area the page opens on the top area');
		check(await waitFigure(page, fig(VILLAGE, 'livestock', 'cattle'), '72', 10000) >= 0, 'top: the village is a row of the township');
		check(await waitFigure(page, fig('xinzhuang', 'livestock', 'cattle'), '72', 10000) >= 0, 'top: the township total');
		await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-township.png'), fullPage: true });

		check(errors.length === 0, `no console errors ${JSON.stringify(errors)}`);
		check(foreign.length === 0, `no request to another host ${JSON.stringify(foreign)}`);
	} catch (e) {
		check(false, `${phase}: ${e.message.split('\n')[0]}`);
	} finally {
		await ctx.close();
		fs.rmSync(profile, { recursive: true, force: true });
	}
	console.log(failed ? `FAIL (${failed})` : 'PASS');
	process.exit(failed ? 1 : 0);
}

main();
