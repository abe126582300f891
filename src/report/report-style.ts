/** The report's inline stylesheet: system fonts only, so nothing is fetched. */
export const REPORT_CSS = `
:root { color-scheme: light; --ink:#1f2933; --muted:#66788a; --line:#e4e7eb; --card:#fff; --bg:#f4f6f8; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--ink); font:14px/1.45 -apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans","DejaVu Sans","Liberation Sans",system-ui,sans-serif; }
main { max-width:1180px; margin:0 auto; padding:28px 24px 40px; }
header { display:flex; align-items:flex-end; justify-content:space-between; gap:16px; flex-wrap:wrap; margin-bottom:18px; }
h1 { font-size:22px; margin:0 0 4px; letter-spacing:-0.01em; }
h2 { font-size:13px; text-transform:uppercase; letter-spacing:.06em; color:var(--muted); margin:0 0 12px; font-weight:600; }
.sub { color:var(--muted); overflow-wrap:anywhere; }
.badge { display:inline-block; padding:3px 12px; border-radius:999px; font-weight:600; font-size:13px; color:#fff; }
.grid { display:grid; gap:16px; grid-template-columns:repeat(auto-fit,minmax(320px,1fr)); margin-bottom:16px; }
.card { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:16px 18px; box-shadow:0 1px 2px rgba(16,24,40,.04); min-width:0; }
.stats { display:grid; gap:12px; grid-template-columns:repeat(auto-fit,minmax(140px,1fr)); margin-bottom:16px; }
.stat { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:12px 14px; }
.stat .label { color:var(--muted); font-size:12px; }
.stat .value { font-size:24px; font-weight:650; margin-top:2px; font-variant-numeric:tabular-nums; }
.stat .value.ok { color:#2b8a3e; } .stat .value.bad { color:#c92a2a; }
.progress { width:100%; height:14px; display:block; margin:10px 0 6px; }
.stacked { width:100%; height:24px; display:block; border-radius:6px; overflow:hidden; }
.legend { list-style:none; padding:0; margin:12px 0 0; }
.legend li { display:flex; align-items:center; gap:6px; padding:5px 0; border-bottom:1px solid #f0f2f4; }
.legend b { font-variant-numeric:tabular-nums; margin-left:auto; }
.legend .muted { min-width:52px; text-align:right; font-variant-numeric:tabular-nums; }
.swatch { display:inline-block; width:10px; height:10px; border-radius:3px; flex:none; }
.muted { color:var(--muted); }
.chart { width:100%; height:auto; display:block; }
.chart .axis { stroke:#cbd2d9; } .chart .bar-count { font-size:11px; fill:var(--ink); font-weight:600; }
.chart .bar-label, .chart .axis-note { font-size:10px; fill:var(--muted); }
.pcts { display:flex; gap:18px; margin:0 0 8px; color:var(--muted); font-size:13px; }
.pcts b { color:var(--ink); font-variant-numeric:tabular-nums; }
table { width:100%; border-collapse:collapse; font-size:13px; table-layout:auto; }
th { text-align:left; font-weight:600; color:var(--muted); border-bottom:1px solid var(--line); padding:6px 8px; white-space:nowrap; }
td { border-bottom:1px solid #f0f2f4; padding:6px 8px; vertical-align:top; font-variant-numeric:tabular-nums; }
td.num, th.num { text-align:right; white-space:nowrap; }
td.text { overflow-wrap:anywhere; word-break:break-word; }
td.host { min-width:140px; }
code { font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; background:#f1f3f5; padding:1px 5px; border-radius:4px; }
.meter { display:inline-block; height:8px; border-radius:4px; background:#fa5252; vertical-align:middle; margin-right:6px; }
.empty { color:var(--muted); font-style:italic; }
.note { color:var(--muted); font-size:12px; margin-top:8px; }
footer { color:var(--muted); font-size:12px; margin-top:18px; }
@media print { body { background:#fff; } .card, .stat { box-shadow:none; break-inside:avoid; } }
`;
