// Loads Plotly's library once per tab: a promise on window, shared by the router's early loader and every chart.
function observatoirePlotly(src) {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  const loading = window.__observatoirePlotly = window.__observatoirePlotly || {};
  if (!loading[src]) {
    loading[src] = new Promise((resolve, reject) => {
      const script = document.createElement('script');
      script.src = src;
      script.async = true;
      script.onload = () => resolve(window.Plotly);
      script.onerror = () => { delete loading[src]; reject(new Error('plotly')); };
      document.head.appendChild(script);
    });
  }
  return loading[src];
}
