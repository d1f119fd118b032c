// One chart per key, updated in place with Plotly.react (observatoire/ui/figures.py); observatoirePlotly comes
// from plotly_loader.js, prepended by figures.py.
//
// A chart away from the window (below the fold, in a closed panel) is drawn when it comes near it: a territory
// or date change then redraws only the charts the user sees, and the others when scrolled to (or printed).
function observatoireDrawPending(host) {
  const draw = host.__draw;
  host.__draw = null;
  if (draw) { host.removeAttribute('data-pending'); draw(); }
}

function observatoireWatcher() {
  if (window.__observatoireWatcher !== undefined) return window.__observatoireWatcher;
  window.__observatoireWatcher = typeof IntersectionObserver === 'undefined' ? null : new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        entry.target.__near = entry.isIntersecting;
        if (entry.isIntersecting) observatoireDrawPending(entry.target);
      }
    }, {rootMargin: '400px 0px', scrollMargin: '400px 0px'});
  // Printing the page (or saving it as PDF) draws every chart first.
  window.addEventListener('beforeprint', () => document.querySelectorAll('.obs-plot').forEach(observatoireDrawPending));
  return window.__observatoireWatcher;
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  const watcher = observatoireWatcher();
  let host = parentElement.querySelector('.obs-plot');
  if (!host) {
    host = document.createElement('div');
    host.className = 'obs-plot';
    host.setAttribute('role', 'figure');
    parentElement.appendChild(host);
    if (watcher) watcher.observe(host);
  }
  const cleanup = () => {   // unmounted (another tab, another page): free the chart, its WebGL context included
    setTimeout(() => {
      if (host.isConnected) return;
      if (watcher) watcher.unobserve(host);
      host.__draw = null;
      if (window.Plotly) window.Plotly.purge(host);
    }, 0);
  };
  const text = typeof data === 'string' ? data : new TextDecoder().decode(data);
  if (host.__payload === text) return cleanup;  // the same figure as drawn or waiting to be: nothing to do
  host.__payload = text;                       // the latest figure asked for: an older one never overwrites it
  const { meta, figure } = JSON.parse(text);
  host.setAttribute('aria-label', meta.alt || '');
  host.style.height = meta.height + 'px';      // its place is kept while it waits to be drawn
  const draw = () => observatoirePlotly(meta.src).then((Plotly) => {
    if (host.__payload !== text) return;
    const layout = Object.assign(figure.layout || {}, {autosize: true});
    delete layout.width;
    if (meta.select) { layout.clickmode = 'event+select'; layout.hovermode = 'closest'; }
    return Plotly.react(host, figure.data, layout, Object.assign({responsive: true}, meta.config)).then(() => {
      host.__drawn = text;
      if (meta.select && !host.__clicks) {
        host.__clicks = true;
        host.on('plotly_click', (event) => {
          const points = (event.points || []).map((p) => ({
            customdata: p.customdata, location: p.location, curve_number: p.curveNumber,
            point_index: p.pointIndex}));
          setTriggerValue('selection', {points});
        });
      }
    });
  }).catch(() => {
    host.textContent = 'Le graphique n\u2019a pas pu être affiché (bibliothèque Plotly non chargée). Rechargez la page.';
  });
  // Near the window (known once the watcher has seen it): now; otherwise when it comes near.
  host.__draw = draw;
  if (!watcher || host.__near) observatoireDrawPending(host);
  else host.setAttribute('data-pending', 'true');
  return cleanup;
}
