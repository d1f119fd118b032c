// The chart types the observatoire draws (observatoire/present/charts/): scatter is in the core.
// tests/test_plotly_bundle.py fails when a chart uses a type missing here.
var Plotly = require('plotly.js/lib/core');

Plotly.register([
    require('plotly.js/lib/bar'),
    require('plotly.js/lib/funnel'),
    require('plotly.js/lib/table'),
    require('plotly.js/lib/scattermap'),
    require('plotly.js/lib/choroplethmap'),
]);

module.exports = Plotly;
