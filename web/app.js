/*
 * app.js — cunbao's dashboard (docs/dashboard.md).
 *
 * Reads /dashboard/config.json (the broker's WebSocket URL and the topic
 * root), connects to the broker with mqtt.js and subscribes, for the area
 * in the URL (#/xinzhuang/hexi or ?area=), to the retained topics of
 * docs/protocol.md:
 *   <root>/meta/kind/+, <root>/meta/area/+ and +/+, and the area's own,
 *   its children's and grandchildren's meta/area topics    names, units, deadlines
 *   <root>/rollup/<area>/+/+               the area's figures, every period
 *   <root>/rollup/<area>/+/+/current       each child area's current figures
 *   <root>/completeness/<area>/<kind>/<p>  who has reported, for the period shown
 *   <root>/status/cunbaod                  whether cunbaod is up
 * and draws them.  Figures are shown as the exact decimal text cunbaod
 * published (read from the payload's text, never through a float); only
 * the trend chart uses floats.  Every figure carries data-area, data-kind,
 * data-field and data-period; a missing group carries data-missing="1".
 */
(function () {
	'use strict';

	var T = {
		zh: {
			title: '村报 数据看板', connecting: '连接中', live: '实时', offline: '离线/重连中',
			total: '合计', reported: '已报', missing: '未报', noReport: '本期尚无报告',
			deadline: '截止', trend: '近12期走势', noTrend: '暂无数据', area: '地区',
			updated: '更新于', daemonDown: 'cunbaod 已离线，数据可能不是最新',
			foot: '数据来自 MQTT 保留主题，随报随新。', other: 'English', unknownArea: '未知地区',
			period: { day: '每日', week: '每周', month: '每月', quarter: '每季', year: '每年' },
			noConfig: '读不到 /dashboard/config.json：'
		},
		en: {
			title: 'cunbao dashboard', connecting: 'connecting', live: 'live', offline: 'offline, reconnecting',
			total: 'Total', reported: 'reported', missing: 'missing', noReport: 'no report this period yet',
			deadline: 'due', trend: 'Last 12 periods', noTrend: 'no data yet', area: 'Areas',
			updated: 'updated', daemonDown: 'cunbaod is offline; figures may be stale',
			foot: 'Figures from retained MQTT topics, live as reports arrive.', other: '中文',
			unknownArea: 'unknown area',
			period: { day: 'daily', week: 'weekly', month: 'monthly', quarter: 'quarterly', year: 'yearly' },
			noConfig: 'cannot read /dashboard/config.json: '
		}
	};
	var TREND_MAX = 12;

	var qs = new URLSearchParams(location.search);
	var lang = qs.get('lang') || localStorage.getItem('cunbao.lang') || 'zh';
	if (!T[lang])
		lang = 'zh';

	var root = 'cunbao/v1';
	var client = null;
	var state = 'connecting';
	var daemonUp = true;
	var store = {
		kinds: {},		/* code -> meta/kind payload */
		areas: {},		/* path -> meta/area payload */
		rollups: {},		/* area -> kind -> period -> {period, values (exact text), reported, expected, updated_at} */
		current: {},		/* area -> kind -> the same, from .../current */
		comp: {}		/* area/kind/period -> completeness payload */
	};
	var area = '';			/* the area shown */
	var subs = [];			/* the area's subscriptions, dropped when it changes */
	var compSubs = {};		/* completeness topics subscribed for the area */
	var trendKind = '', trendField = '';
	var plot = null;
	var renderTimer = null;

	function $(id) { return document.getElementById(id); }
	function t(key) { return T[lang][key]; }
	function el(tag, cls, text) {
		var e = document.createElement(tag);
		if (cls)
			e.className = cls;
		if (text !== undefined && text !== null)
			e.textContent = text;
		return e;
	}
	function nested(obj, a, b) {
		if (!obj[a])
			obj[a] = {};
		if (!obj[a][b])
			obj[a][b] = {};
		return obj[a][b];
	}

	/* ---- payloads ---- */

	/*
	 * The rollup's figures as the exact literals of its text: {"cattle":"61"}.
	 * cunbaod writes "values" as a flat object of numbers, so the literal
	 * text of each is what follows its key up to the next comma or brace.
	 */
	function exactValues(text) {
		var out = {}, i = text.indexOf('"values":{'), j, re = /"([a-z0-9_]+)":(-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)/g, m;
		if (i < 0)
			return out;
		j = text.indexOf('}', i);
		var body = text.slice(i + 10, j < 0 ? text.length : j);
		while ((m = re.exec(body)) !== null)
			out[m[1]] = m[2];
		return out;
	}

	/* An exact decimal times 100 as text ("0.75" -> "75", "0.125" -> "12.5"), for rates. */
	function percent(s) {
		var neg = s.charAt(0) === '-', d = neg ? s.slice(1) : s, p = d.indexOf('.');
		var ip = p < 0 ? d : d.slice(0, p), fp = p < 0 ? '' : d.slice(p + 1);
		while (fp.length < 2)
			fp += '0';
		var r = (ip + fp.slice(0, 2)).replace(/^0+(?=\d)/, ''), rest = fp.slice(2).replace(/0+$/, '');
		return (neg ? '-' : '') + r + (rest ? '.' + rest : '');
	}

	/* Splits <root>/<tree>/<area...>/<a>/<b>[/<c>] after the tree name; null if not ours. */
	function levels(topic, tree) {
		var head = root + '/' + tree + '/';
		return topic.indexOf(head) === 0 ? topic.slice(head.length).split('/') : null;
	}

	function onRollup(parts, text) {
		var isCurrent = parts[parts.length - 1] === 'current';
		var period = parts.pop(), kind = parts.pop(), a = parts.join('/');
		var where = isCurrent ? nested(store.current, a, kind) : nested(store.rollups, a, kind);
		var key = isCurrent ? 'current' : period;
		if (text === '') {
			delete where[key];
			return;
		}
		var d = JSON.parse(text);
		where[key] = {
			period: d.period, values: exactValues(text), reported: d.reported,
			expected: d.expected, updated_at: d.updated_at
		};
	}

	function onMessage(topic, payload) {
		var text = new TextDecoder().decode(payload), p;
		try {
			if ((p = levels(topic, 'rollup')) !== null && p.length >= 3) {
				onRollup(p, text);
			} else if ((p = levels(topic, 'completeness')) !== null && p.length >= 3) {
				store.comp[p.join('/')] = text ? JSON.parse(text) : undefined;
			} else if ((p = levels(topic, 'meta/area')) !== null) {
				if (text)
					store.areas[p.join('/')] = JSON.parse(text);
				else
					delete store.areas[p.join('/')];
			} else if ((p = levels(topic, 'meta/kind')) !== null) {
				if (text)
					store.kinds[p[0]] = JSON.parse(text);
				else
					delete store.kinds[p[0]];
			} else if (topic === root + '/status/cunbaod') {
				daemonUp = !text || JSON.parse(text).state === 'online';
			}
		} catch (e) {
			/* A payload we cannot read is skipped, not fatal: say so once per topic. */
			console.warn('cunbao: cannot read ' + topic + ': ' + e.message);
			return;
		}
		scheduleRender();
	}

	/* ---- the area and its subscriptions ---- */

	function areaFromUrl() {
		var h = location.hash.replace(/^#\/?/, '').replace(/\/+$/, '');
		return decodeURIComponent(h || qs.get('area') || '');
	}

	function topAreas() {
		return Object.keys(store.areas).filter(function (p) { return p.indexOf('/') < 0; }).sort();
	}

	function childrenOf(a) {
		var seen = {}, out = [], depth = a.split('/').length + 1;
		function add(p) {
			if (!seen[p] && p.indexOf(a + '/') === 0 && p.split('/').length === depth) {
				seen[p] = true;
				out.push(p);
			}
		}
		Object.keys(store.areas).forEach(add);
		Object.keys(store.current).forEach(add);
		return out.sort();
	}

	function subscribe(filters) {
		if (client && filters.length)
			client.subscribe(filters, { qos: 1 });
	}

	/* Switches the subscriptions to area a (the tree's names stay subscribed). */
	function setArea(a) {
		if (a === area)
			return;
		if (client && subs.length)
			client.unsubscribe(subs);
		var comp = Object.keys(compSubs);
		if (client && comp.length)
			client.unsubscribe(comp);
		compSubs = {};
		area = a;
		subs = [];
		if (a) {
			var parts = a.split('/');
			for (var i = 3; i <= parts.length; i++)
				subs.push(root + '/meta/area/' + parts.slice(0, i).join('/'));
			subs.push(root + '/meta/area/' + a + '/+');
			subs.push(root + '/meta/area/' + a + '/+/+');	/* the names of the missing, a level down */
			subs.push(root + '/rollup/' + a + '/+/+');
			subs.push(root + '/rollup/' + a + '/+/+/current');
		}
		subscribe(subs);
		scheduleRender();
	}

	/* Subscribes to the completeness of the period shown for a kind, once. */
	function wantCompleteness(kind, period) {
		var topic = root + '/completeness/' + area + '/' + kind + '/' + period;
		if (compSubs[topic])
			return;
		compSubs[topic] = true;
		subscribe([topic]);
	}

	/* ---- drawing ---- */

	function scheduleRender() {
		if (renderTimer === null)
			renderTimer = setTimeout(function () { renderTimer = null; render(); }, 30);
	}

	/* The roster's name; without one (not yet known), the parent's name and the last slug. */
	function areaName(p) {
		var m = store.areas[p], i = p.lastIndexOf('/');
		if (m && m.name)
			return m.name;
		return i > 0 && store.areas[p.slice(0, i)] ? areaName(p.slice(0, i)) + ' ' + p.slice(i + 1) : p.slice(i + 1);
	}

	function kindName(k) { return lang === 'en' ? k.name_en : k.name_zh; }
	function fieldName(f) { return lang === 'en' ? f.name_en : f.name_zh; }
	function unitOf(f) { return f.agg === 'rate' ? '%' : (lang === 'en' ? f.unit_en : f.unit_zh); }

	function kindsInOrder() {
		return Object.keys(store.kinds).map(function (c) { return store.kinds[c]; })
			.sort(function (a, b) { return a.order - b.order; });
	}

	function deadlineText(k) {
		var d = k.deadline, per = T[lang].period[k.period] || k.period;
		if (!d)
			return '';
		if (lang === 'en')
			return t('deadline') + ' ' + per + (k.period === 'day' ? '' : ', day ' + d.day) + ', ' + d.hour + ':00';
		if (k.period === 'day')
			return t('deadline') + ' ' + per + d.hour + '时';
		if (k.period === 'month')
			return t('deadline') + ' ' + per + d.day + '日' + d.hour + '时';
		return t('deadline') + ' ' + per + '第' + d.day + '天' + d.hour + '时';
	}

	/* One figure: its exact text in a span carrying what it is, and the unit beside it. */
	function figure(a, kind, f, period, value) {
		var td = el('td', 'num');
		if (value === undefined) {
			td.appendChild(el('span', 'none', '–'));
			return td;
		}
		var v = el('span', 'v', f.agg === 'rate' ? percent(value) : value);
		v.dataset.area = a;
		v.dataset.kind = kind.kind;
		v.dataset.field = f.field;
		v.dataset.period = period;
		v.dataset.value = value;
		td.appendChild(v);
		var u = unitOf(f);
		if (u)
			td.appendChild(el('span', 'u', u));
		return td;
	}

	function figureRow(label, a, kind, period, r, cls) {
		var tr = el('tr', cls);
		var th = el('th', null, label);
		th.scope = 'row';
		tr.appendChild(th);
		tr.dataset.area = a;
		kind.fields.forEach(function (f) {
			tr.appendChild(figure(a, kind, f, period, r ? r.values[f.field] : undefined));
		});
		return tr;
	}

	/* Which children have reported the period: the completeness list, else the children's rollups. */
	function missingChildren(kind, period, children) {
		var c = store.comp[area + '/' + kind.kind + '/' + period], miss = {};
		if (c) {
			c.missing.forEach(function (rel) { miss[area + '/' + rel] = true; });
			return miss;
		}
		children.forEach(function (ch) {
			var r = (store.current[ch] || {})[kind.kind];
			var m = store.areas[ch];
			if ((!r || !r.current || r.current.period !== period) && (!m || m.expected_under > 0))
				miss[ch] = true;
		});
		return miss;
	}

	function completenessLine(kind, cur, missing) {
		var p = el('p', 'comp');
		var count = el('span', 'count', t('reported') + ' ' + cur.reported + '/' + cur.expected);
		count.dataset.area = area;
		count.dataset.kind = kind.kind;
		count.dataset.period = cur.period;
		count.dataset.reported = cur.reported;
		count.dataset.expected = cur.expected;
		if (cur.reported < cur.expected)
			count.className += ' short';
		p.appendChild(count);
		var names = Object.keys(missing).sort();
		if (names.length) {
			p.appendChild(el('span', 'label', t('missing') + ':'));
			names.forEach(function (m) {
				var s = el('span', 'missing', areaName(m));
				s.dataset.missing = '1';
				s.dataset.area = m;
				s.dataset.kind = kind.kind;
				s.dataset.period = cur.period;
				p.appendChild(s);
			});
		}
		return p;
	}

	function kindCard(kind) {
		var card = el('section', 'card kind');
		card.dataset.kind = kind.kind;
		var cur = ((store.current[area] || {})[kind.kind] || {}).current;
		var h = el('h3', null, kindName(kind));
		if (cur)
			h.appendChild(el('span', 'period', cur.period));
		card.appendChild(h);
		var meta = el('p', 'meta', deadlineText(kind));
		if (cur && cur.updated_at)
			meta.appendChild(el('span', 'updated', t('updated') + ' ' + cur.updated_at.replace('T', ' ').slice(0, 16)));
		card.appendChild(meta);
		if (!cur) {
			card.classList.add('empty');
			card.appendChild(el('p', 'muted', t('noReport')));
			return card;
		}
		var children = childrenOf(area), missing = {};
		if (children.length) {
			missing = missingChildren(kind, cur.period, children);
			wantCompleteness(kind.kind, cur.period);
			card.appendChild(completenessLine(kind, cur, missing));
		}
		var wrap = el('div', 'scroll'), table = el('table');
		var head = el('tr');
		head.appendChild(el('th', 'corner', t('area')));
		kind.fields.forEach(function (f) {
			var th = el('th', 'num', fieldName(f));
			th.scope = 'col';
			head.appendChild(th);
		});
		var thead = el('thead'), tbody = el('tbody');
		thead.appendChild(head);
		children.forEach(function (ch) {
			var r = ((store.current[ch] || {})[kind.kind] || {}).current;
			if (r && r.period !== cur.period)
				r = undefined;
			var row = figureRow(areaName(ch), ch, kind, cur.period, r, missing[ch] ? 'missing-row' : null);
			if (missing[ch])
				row.dataset.missing = '1';
			tbody.appendChild(row);
		});
		tbody.appendChild(figureRow(children.length ? t('total') : areaName(area), area, kind, cur.period, cur, 'total'));
		table.appendChild(thead);
		table.appendChild(tbody);
		wrap.appendChild(table);
		card.appendChild(wrap);
		return card;
	}

	function renderTree() {
		var nav = $('tree');
		nav.textContent = '';
		var h = el('h2', null, t('area'));
		nav.appendChild(h);
		function branch(paths) {
			var ul = el('ul');
			paths.forEach(function (p) {
				var li = el('li'), a = el('a', p === area ? 'here' : null, areaName(p));
				a.href = '#/' + p;
				a.dataset.area = p;
				li.appendChild(a);
				/* Open the branches on the way to the area shown, and the area's own. */
				if (area === p || area.indexOf(p + '/') === 0 || p.indexOf('/') < 0) {
					var ch = childrenOf(p);
					if (ch.length)
						li.appendChild(branch(ch));
				}
				ul.appendChild(li);
			});
			return ul;
		}
		nav.appendChild(branch(topAreas()));
	}

	function renderHeading() {
		var crumbs = $('crumbs'), parts = area.split('/');
		crumbs.textContent = '';
		for (var i = 1; i < parts.length; i++) {
			var p = parts.slice(0, i).join('/'), a = el('a', null, areaName(p));
			a.href = '#/' + p;
			crumbs.appendChild(a);
			crumbs.appendChild(el('span', 'sep', ' › '));
		}
		$('area-name').textContent = area ? areaName(area) : '';
		$('area-name').dataset.area = area;
		$('daemon').hidden = daemonUp;
		$('daemon').textContent = t('daemonDown');
	}

	/* The last TREND_MAX periods of the chosen kind and field for the area. */
	function trendData() {
		var per = (store.rollups[area] || {})[trendKind] || {};
		var periods = Object.keys(per).sort().slice(-TREND_MAX);
		return {
			periods: periods,
			ys: periods.map(function (p) {
				var v = per[p].values[trendField];
				return v === undefined ? null : parseFloat(v);
			})
		};
	}

	function fillSelect(sel, items, chosen) {
		var key = items.map(function (i) { return i[0] + i[1]; }).join('|');
		if (sel.dataset.key !== key) {
			sel.textContent = '';
			items.forEach(function (i) {
				var o = el('option', null, i[1]);
				o.value = i[0];
				sel.appendChild(o);
			});
			sel.dataset.key = key;
		}
		sel.value = chosen;
	}

	function renderTrend() {
		var kinds = kindsInOrder(), byArea = store.rollups[area] || {};
		if (!store.kinds[trendKind]) {
			var first = kinds.filter(function (k) { return byArea[k.kind]; })[0] || kinds[0];
			trendKind = first ? first.kind : '';
			trendField = '';
		}
		var kind = store.kinds[trendKind];
		if (kind && !kind.fields.some(function (f) { return f.field === trendField; }))
			trendField = kind.fields[0].field;
		fillSelect($('trend-kind'), kinds.map(function (k) { return [k.kind, kindName(k)]; }), trendKind);
		fillSelect($('trend-field'), kind ? kind.fields.map(function (f) {
			var u = unitOf(f);
			return [f.field, fieldName(f) + (u ? ' (' + u + ')' : '')];
		}) : [], trendField);
		var d = trendData(), box = $('chart');
		$('trend-empty').hidden = d.periods.length > 0;
		box.hidden = d.periods.length === 0;
		box.dataset.kind = trendKind;
		box.dataset.field = trendField;
		box.dataset.periods = d.periods.join(' ');
		if (!d.periods.length || typeof uPlot === 'undefined')
			return;
		var xs = d.periods.map(function (_, i) { return i; });
		var width = Math.max(260, box.clientWidth || 300);
		if (plot === null || plot.width !== width || plot.periods !== d.periods.join()) {
			if (plot !== null)
				plot.destroy();
			var labels = d.periods;
			plot = new uPlot({
				width: width, height: 220,
				legend: { show: false },
				cursor: { drag: { x: false, y: false } },
				scales: { x: { time: false } },
				axes: [
					{ values: function (u, ticks) { return ticks.map(function (i) { return labels[i] || ''; }); },
					  incrs: [1], space: 50 },
					{ size: 60 }
				],
				series: [{}, { stroke: '#c0392b', width: 2, fill: 'rgba(192,57,43,0.08)', points: { size: 7 } }]
			}, [xs, d.ys], box);
			plot.periods = d.periods.join();
		} else {
			plot.setData([xs, d.ys]);
		}
	}

	function renderStatic() {
		document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
		document.querySelectorAll('[data-t]').forEach(function (e) { e.textContent = t(e.dataset.t); });
		document.title = t('title');
		$('lang').textContent = t('other');
		$('lang').lang = lang === 'en' ? 'zh-CN' : 'en';
		$('status').textContent = t(state);
		$('status').dataset.state = state;
		$('root').textContent = root + '/…';
	}

	function render() {
		if (!area) {
			var tops = topAreas();
			if (tops.length) {
				setArea(tops[0]);
				return;
			}
		}
		renderStatic();
		renderTree();
		renderHeading();
		var box = $('kinds');
		box.textContent = '';
		kindsInOrder().forEach(function (k) { box.appendChild(kindCard(k)); });
		renderTrend();
	}

	function setState(s) {
		state = s;
		$('status').textContent = t(s);
		$('status').dataset.state = s;
	}

	/* ---- start ---- */

	function connect(cfg) {
		var url = cfg.ws || ((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.hostname + ':9001/');
		root = cfg.root || root;
		client = mqtt.connect(url, {
			protocolVersion: 4, clean: true, keepalive: 30, reconnectPeriod: 1000, connectTimeout: 5000,
			clientId: 'cunbao-dash-' + Math.random().toString(16).slice(2, 10)
		});
		client.on('connect', function () {
			setState('live');
			/* mqtt.js resubscribes on reconnect; the first time, subscribe here. */
			if (!client.cunbaoSubscribed) {
				client.cunbaoSubscribed = true;
				subscribe([root + '/meta/kind/+', root + '/meta/area/+', root + '/meta/area/+/+',
					root + '/status/cunbaod']);
				subscribe(subs);
				subscribe(Object.keys(compSubs));
			}
		});
		client.on('reconnect', function () { setState('offline'); });
		client.on('offline', function () { setState('offline'); });
		client.on('close', function () { if (state === 'live') setState('offline'); });
		client.on('error', function (e) { console.warn('cunbao: broker: ' + e.message); });
		client.on('message', onMessage);
		window.cunbaoDashboard = { client: client, store: store, root: root, url: url };
	}

	$('lang').addEventListener('click', function () {
		lang = lang === 'zh' ? 'en' : 'zh';
		localStorage.setItem('cunbao.lang', lang);
		render();
	});
	$('trend-kind').addEventListener('change', function (e) { trendKind = e.target.value; trendField = ''; render(); });
	$('trend-field').addEventListener('change', function (e) { trendField = e.target.value; render(); });
	window.addEventListener('hashchange', function () { setArea(areaFromUrl()); });
	window.addEventListener('resize', function () { scheduleRender(); });

	renderStatic();
	fetch('dashboard/config.json', { cache: 'no-store' })
		.then(function (r) {
			if (!r.ok)
				throw new Error('HTTP ' + r.status);
			return r.json();
		})
		.then(function (cfg) {
			connect(cfg);
			setArea(areaFromUrl());
		})
		.catch(function (e) {
			setState('offline');
			$('area-name').textContent = t('noConfig') + e.message;
		});
})();
