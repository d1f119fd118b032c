// node build.js ENTRY OUT: one minified file defining window.Plotly (plotly.js's own bundling settings, its CSS
// inlined), nothing fetched at run time.
const esbuild = require('esbuild');
const InlineCSSPlugin = require('esbuild-plugin-inline-css');

esbuild.build({
    entryPoints: [process.argv[2]],
    outfile: process.argv[3],
    format: 'iife',
    globalName: 'Plotly',
    bundle: true,
    minify: true,
    legalComments: 'eof',           // plotly.js (MIT), maplibre-gl (BSD-3-Clause)... keep their notices
    plugins: [InlineCSSPlugin()],
    define: { global: 'window', 'define.amd': 'false' },
    target: 'es2016',
    logLevel: 'warning',
}).catch(() => process.exit(1));
