// One chart per key, updated in place with Plotly.react (observatoire/ui/figures.py); observatoirePlotly comes
// from plotly_loader.js, prepended by figures.py.
export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  let host = parentElement.querySelector('.obs-plot');
  if (!host) {
    host = document.createElement('div');
    host.className = 'obs-plot';
    host.setAttribute('role', 'figure');
    parentElement.appendChild(host);
  }
  const cleanup = () => {   // unmounted (another tab, another page): free the chart, its WebGL context included
    setTimeout(() => { if (!host.isConnected && window.Plotly) window.Plotly.purge(host); }, 0);
  };
  const text = typeof data === 'string' ? data : new TextDecoder().decode(data);
  if (host.__payload === text) return cleanup;  // the same figure as drawn: nothing to do
  host.__payload = text;                       // the latest figure asked for: an older one never overwrites it
  const { meta, figure } = JSON.parse(text);
  host.setAttribute('aria-label', meta.alt || '');
  host.style.height = meta.height + 'px';
  observatoirePlotly(meta.src).then((Plotly) => {
    if (host.__payload !== text) return;
    const layout = Object.assign(figure.layout || {}, {autosize: true});
    delete layout.width;
    if (meta.select) { layout.clickmode = 'event+select'; layout.hovermode = 'closest'; }
    return Plotly.react(host, figure.data, layout, Object.assign({responsive: true}, meta.config)).then(() => {
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
  return cleanup;
}
