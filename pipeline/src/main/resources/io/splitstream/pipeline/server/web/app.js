// The live page: one EventSource on /api/v1/events; 'history' fills the charts, 'status' updates all.
(function () {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const fmt = (v, d) => (v === null || v === undefined || !isFinite(v)) ? '–' : Number(v).toFixed(d);
  const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]));
  const data = { t: [], fps: [], p50: [], p99: [], switches: [] };
  const HISTORY_S = 300;

  // dashed vertical lines at each plan switch, labelled with its trigger
  function switchMarks() {
    return {
      hooks: {
        draw: [(u) => {
          const ctx = u.ctx;
          ctx.save();
          ctx.setLineDash([5, 4]);
          ctx.strokeStyle = '#d9480f';
          ctx.fillStyle = '#d9480f';
          ctx.font = (11 * devicePixelRatio) + 'px sans-serif';
          for (const s of data.switches) {
            const x = u.valToPos(s.at, 'x', true);
            if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
            ctx.beginPath();
            ctx.moveTo(x, u.bbox.top);
            ctx.lineTo(x, u.bbox.top + u.bbox.height);
            ctx.stroke();
            ctx.fillText(s.label, x + 3, u.bbox.top + 12 * devicePixelRatio);
          }
          ctx.restore();
        }],
      },
    };
  }

  function chart(el, series, yLabel) {
    const width = Math.max(300, el.clientWidth || 500);
    return new uPlot({
      width: width, height: 220,
      scales: { x: { time: false } },
      axes: [{ label: 's since start' }, { label: yLabel }],
      series: [{ label: 't (s)' }].concat(series),
      plugins: [switchMarks()],
    }, [[], ...series.map(() => [])], el);
  }

  const fpsChart = chart($('fps-chart'), [{ label: 'frames/s', stroke: '#3b5bdb', width: 2 }], 'frames/s');
  const latChart = chart($('latency-chart'), [
    { label: 'p50 ms', stroke: '#2b8a3e', width: 2 },
    { label: 'p99 ms', stroke: '#d9480f', width: 2 },
  ], 'ms');

  function addSample(s) {
    if (!s || (data.t.length && s.t <= data.t[data.t.length - 1])) return;
    data.t.push(s.t); data.fps.push(s.fps); data.p50.push(s.p50Ms); data.p99.push(s.p99Ms);
    while (data.t.length && data.t[0] < s.t - HISTORY_S) {
      data.t.shift(); data.fps.shift(); data.p50.shift(); data.p99.shift();
    }
  }

  function redraw() {
    fpsChart.setData([data.t, data.fps]);
    latChart.setData([data.t, data.p50, data.p99]);
  }

  function setDecisions(list) {
    data.switches = list.filter((d) => d.activatedAtSeconds > 0 || d.newEpoch > 0)
      .map((d) => ({ at: d.activatedAtSeconds, label: d.trigger + (d.processor ? ' ' + d.processor : '') }));
    const rows = list.slice().reverse().map((d) => '<tr><td class="num">' + fmt(d.atSeconds, 1) + '</td><td>'
      + esc(d.trigger) + '</td><td>' + esc(d.processor || '') + '</td><td>' + esc(d.oldPlan) + '</td><td>'
      + esc(d.newPlan) + '</td><td class="num">' + d.newEpoch + '</td><td class="num">'
      + fmt(100 * d.predictedGain, 0) + ' %</td><td class="num">' + fmt(d.loadMs, 1) + '</td><td class="num">'
      + (d.measured ? fmt(100 * (d.measuredBeforeFps > 0 ? d.measuredAfterFps / d.measuredBeforeFps - 1 : 0), 0)
        + ' %' : 'measuring') + '</td></tr>');
    $('decisions').tBodies[0].innerHTML = rows.join('') || '<tr><td colspan="9">no switch yet</td></tr>';
  }

  function drawPlan(status) {
    const emulated = {};
    for (const p of status.processors) emulated[p.id] = p.emulated;
    const parts = ['<div class="endpoint">source</div>'];
    for (const s of status.plan.stages) {
      const share = Math.round(100 * s.bottleneckShare);
      const procs = s.processors.map((p) => '<span class="proc' + (emulated[p] ? ' emulated' : '') + '">'
        + esc(p) + (emulated[p] ? ' <i>emulated</i>' : '') + '</span>').join('');
      parts.push('<div class="arrow">→</div><div class="stage' + (share >= 100 ? ' bottleneck' : '')
        + '" data-stage="' + s.index + '"><div class="title">stage ' + s.index + ': nodes ' + s.firstNode
        + '–' + (s.endNode - 1) + '</div><div>' + fmt(s.ms, 2) + ' ms/frame (predicted), ' + share
        + ' % of bottleneck</div><div class="bar"><div style="width:' + share + '%"></div></div>' + procs + '</div>');
    }
    parts.push('<div class="arrow">→</div><div class="endpoint">sink</div>');
    $('plan').innerHTML = parts.join('');
  }

  function setStatus(st) {
    $('model').textContent = st.model;
    $('platform').textContent = st.platform + (st.emulatedPlatform ? ' (emulated)' : ' (this host)');
    $('plan-label').textContent = st.plan.label;
    $('epoch').textContent = st.plan.epoch;
    $('by-hand').textContent = st.plan.byHand ? ', chosen by hand' : '';
    $('adapt').textContent = st.adapt;
    $('budget').textContent = st.budgetMs === null ? 'none' : fmt(st.budgetMs, 1) + ' ms';
    $('elapsed').textContent = fmt(st.elapsedSeconds, 1) + ' s';
    const l = st.ledger;
    $('offered').textContent = l.offered;
    $('completed').textContent = l.completed;
    const by = (m) => Object.keys(m).filter((k) => m[k] > 0).map((k) => k + ' ' + m[k]).join(', ');
    $('shed').textContent = l.shed + (by(l.shedByReason) ? ' (' + by(l.shedByReason) + ')' : '');
    $('failed').textContent = l.failed + (by(l.failedByCause) ? ' (' + by(l.failedByCause) + ')' : '');
    $('retried').textContent = l.retried;
    $('in-flight').textContent = l.inFlight;
    $('percentiles').textContent = fmt(st.p50Ms, 2) + ' / ' + fmt(st.p99Ms, 2) + ' ms';
    $('processors').tBodies[0].innerHTML = st.processors.map((p) => {
      const a = p.availability;
      const avail = a ? (a.online ? 'share ' + fmt(a.share, 2) + ', clock ' + fmt(a.throttle, 2)
        : '<span class="offline">offline</span>') : 'real: what the host gives';
      return '<tr data-processor="' + esc(p.id) + '"><td>' + esc(p.id) + '</td><td>' + esc(p.kind) + '</td><td>'
        + (p.emulated ? '<span class="badge emulated">emulated</span>' : '<span class="badge">real</span>')
        + '</td><td class="num">' + fmt(100 * p.busy, 0) + ' %</td><td class="num">'
        + (p.onlineEstimate ? fmt(p.estimatedSpeed, 2) : '<span class="offline">lost</span>') + '</td><td>' + avail
        + '</td></tr>';
    }).join('');
    drawPlan(st);
    const state = $('state');
    state.textContent = st.running ? 'live' : 'ended';
    state.className = 'state ' + (st.running ? 'live' : 'ended');
  }

  function onHistory(h) {
    h.samples.forEach(addSample);
    setDecisions(h.decisions);
    setStatus(h.status);
    redraw();
  }

  if (new URLSearchParams(location.search).has('once')) {
    // a still picture (./splitstream snapshot): one reading, no stream left open
    fetch('/api/v1/history').then((r) => r.json()).then(onHistory);
    return;
  }
  const events = new EventSource('/api/v1/events');
  events.addEventListener('history', (e) => onHistory(JSON.parse(e.data)));
  events.addEventListener('status', (e) => {
    const m = JSON.parse(e.data);
    addSample(m.sample);
    setDecisions(m.decisions);
    setStatus(m.status);
    redraw();
  });
  events.onerror = () => {
    const state = $('state');
    if (state.textContent !== 'ended') { state.textContent = 'disconnected'; state.className = 'state'; }
  };
})();
