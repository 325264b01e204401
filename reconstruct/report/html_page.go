package report

// htmlPageText is the html report's template. The block "digest" opens
// the findings: per kind its subjects, their severities, the worst few
// with their figures and how many were folded.
const htmlPageText = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>wirestat: {{range $i, $s := .Capture.Sources}}{{if $i}}, {{end}}{{$s}}{{end}}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1em; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.5em; text-align: left; font-size: 0.9em; }
th { background: #f0f0f0; }
#conns th { cursor: pointer; user-select: none; }
#conns th[aria-sort=ascending]::after { content: " \25B2"; }
#conns th[aria-sort=descending]::after { content: " \25BC"; }
code { font-size: 0.9em; background: #f6f6f6; padding: 0 0.2em; }
.s0 { background: #f8d0d0; } .s1 { background: #fbe3c4; } .s2 { background: #fff3b8; }
.s3 { background: #e8e0f8; } .s4 { background: #e8e8e8; }
.high { color: #a00; } .medium { color: #b60; } .low { color: #555; } .info { color: #555; }
.finding { margin-bottom: 0.8em; }
.filters label { margin-right: 1em; }
#timeline text { font-size: 11px; fill: #444; }
</style>
</head>
<body>
<h1>wirestat report</h1>
<p id="summary">{{range $i, $s := .Capture.Sources}}{{if $i}}, {{end}}<code>{{$s}}</code>{{end}}:
{{.Capture.Packets}} packets ({{.Capture.TCPPackets}} TCP, {{.Capture.OtherPackets}} other),
{{.Conns}} connections, from {{ts .Capture.First}} to {{ts .Capture.Last}}{{if .Capture.At}}, states as of {{ts .Capture.At}}{{end}}.
{{.Tool.Name}} {{.Tool.Version}}.</p>
{{with .Capture.Warnings}}<h2>Warnings</h2><ul>{{range .}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{block "digest" .}}{{if .Digest}}<h2 id="digest">Digest</h2>
<table id="digest-table"><tr><th>Kind</th><th>Subjects</th><th>By severity</th><th>Worst</th><th>Folded</th></tr>
{{range .Digest}}<tr data-kind="{{.Kind}}"><td>{{.Kind}}</td><td>{{.Subjects}}</td><td>{{sevs .BySeverity}}</td><td>{{range .Worst}}<span class="{{.Severity}}">[{{.Severity}}]</span> <code>{{.Subject}}</code>: {{.Figure}}<br>{{end}}</td><td>{{.Folded}}</td></tr>
{{end}}</table>{{end}}{{end}}
<h2 id="findings">Findings ({{.Findings}})</h2>
{{if .Severities}}{{range .Severities}}<section class="severity" id="severity-{{.Name}}" data-count="{{.Count}}">
<h3 class="{{.Name}}">{{.Name}}: {{.Count}}</h3>
{{range .Full}}<div class="finding">
<b class="{{.Severity}}">{{.Kind}}</b> <code>{{.Subject}}</code>: {{.Summary}}<br>
streams: {{join .Streams}}{{if gt .Count (len .Streams)}} (of {{.Count}}){{end}}<br>
filter: <code>{{.Filter}}</code>
</div>{{end}}
{{if .Short}}<details><summary>{{len .Short}} more {{.Name}} findings</summary><ul>
{{range .Short}}<li><b>{{.Kind}}</b> <code>{{.Subject}}</code>: <code>{{.Filter}}</code></li>
{{end}}</ul></details>{{end}}
{{if .More}}<p>and {{.More}} more: use -F json or --top N for every finding.</p>{{end}}
</section>
{{end}}{{else}}<p>No findings.</p>{{end}}
{{if not .FindingOnly}}
<h2>Endpoints per state over time</h2>
{{with .Plot}}<svg id="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 900 285" width="900" height="285" role="img" aria-label="endpoints per state over capture time" data-max="{{.Max}}" data-samples="{{.Samples}}">
<line x1="60" y1="220" x2="890" y2="220" stroke="#888"/><line x1="60" y1="10" x2="60" y2="220" stroke="#888"/>
<text x="55" y="14" text-anchor="end">{{.Max}}</text><text x="55" y="222" text-anchor="end">0</text>
<text x="60" y="236">{{.Start}}</text><text x="890" y="236" text-anchor="end">{{.End}}</text>
{{range $i, $l := .Lines}}<polyline class="state-line" data-state="{{$l.State}}" data-peak="{{$l.Peak}}" fill="none" stroke="{{$l.Color}}" stroke-width="1.5" points="{{$l.Points}}"><title>{{$l.State}}: up to {{$l.Peak}} endpoints</title></polyline>
{{end}}{{range $i, $l := .Lines}}<rect x="{{$l.LegendX}}" y="{{$l.LegendY}}" width="10" height="10" fill="{{$l.Color}}"/><text x="{{add $l.LegendX 13}}" y="{{add $l.LegendY 9}}">{{$l.State}}</text>
{{end}}</svg>
<p>Endpoints (client and server sides counted apart) in each state at {{.Samples}} moments of the capture; CLOSED and UNKNOWN are left out.</p>
{{else}}<p>No state changes to plot.</p>{{end}}
<h2>States by role</h2>
<table id="counts"><tr><th>Count</th><th>Role</th><th>State</th></tr>
{{range .Counts}}<tr class="{{class .State}}"><td>{{.Count}}</td><td>{{.Role}}</td><td>{{.State}}</td></tr>
{{end}}</table>
<h2>Listeners</h2>
{{if .Listeners}}<table id="listeners"><tr><th>Address</th><th>Port</th><th>First frame</th><th>Connections</th></tr>
{{range .Listeners}}<tr><td>{{.Addr}}</td><td>{{.Port}}</td><td>{{.FirstFrame}}</td><td>{{.Connections}}</td></tr>
{{end}}</table>{{if .MoreListeners}}<p>and {{.MoreListeners}} more listeners (use -F json).</p>{{end}}{{else}}<p>None seen.</p>{{end}}
<h2>Connections</h2>
{{if .Hidden}}<p>The {{.Shown}} most interesting of {{.Conns}} connections (use -F json or csv for all).</p>{{end}}
<div class="filters">
<label>State <select id="f-state"><option value="">any</option></select></label>
<label>Role <select id="f-role"><option value="">either</option><option value="client">client</option><option value="server">server</option></select></label>
<label>Service <input id="f-service" size="10" placeholder="https or 443"></label>
<label>Stream <input id="f-stream" size="10" placeholder="tcp.stream"></label>
<span id="conn-status"></span>
<button id="prev" type="button">previous</button> <button id="next" type="button">next</button>
</div>
<table id="conns"><thead><tr><th data-col="0" aria-sort="ascending">Stream</th><th data-col="1">Client</th><th data-col="2">State</th><th data-col="3">Server</th><th data-col="4">State</th><th data-col="10">Service</th><th data-col="5">Frames</th><th data-col="7">Zeek</th><th data-col="8">History</th><th>Wireshark filter</th></tr></thead>
<tbody></tbody></table>
<noscript><p>The connection table needs JavaScript; -F csv lists every connection.</p></noscript>
<p>* roles inferred: the capture missed the handshake.</p>
<script type="application/json" id="conn-data">{{.RowsJSON}}</script>
<script>
(function () {
  "use strict";
  var rows = JSON.parse(document.getElementById("conn-data").textContent);
  var rank = {CLOSE_WAIT: 0, FIN_WAIT_2: 1, SYN_SENT: 2, SYN_RECEIVED: 2, LAST_ACK: 3, FIN_WAIT_1: 3, CLOSING: 3, TIME_WAIT: 4};
  var size = 100, page = 0, col = 0, dir = 1, view = rows;
  var $ = function (id) { return document.getElementById(id); };
  var body = document.querySelector("#conns tbody"), status = $("conn-status");
  var states = {};
  rows.forEach(function (r) { states[r[2]] = 1; states[r[4]] = 1; });
  Object.keys(states).sort().forEach(function (s) {
    var o = document.createElement("option"); o.value = o.textContent = s; $("f-state").appendChild(o);
  });
  function esc(s) {
    return String(s).replace(/[&<>"]/g, function (c) { return {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;"}[c]; });
  }
  function cls(s) { return "s" + (s in rank ? rank[s] : 5); }
  function port(hp) { return hp.slice(hp.lastIndexOf(":") + 1); }
  function apply() {
    var st = $("f-state").value, role = $("f-role").value;
    var sv = $("f-service").value.trim().toLowerCase(), sn = $("f-stream").value.trim();
    var streams = sn ? sn.split(/[\s,]+/) : null;
    view = rows.filter(function (r) {
      if (st && (role === "client" ? r[2] !== st : role === "server" ? r[4] !== st : r[2] !== st && r[4] !== st)) return false;
      if (sv && r[10].toLowerCase() !== sv && port(r[3]) !== sv) return false;
      if (streams && streams.indexOf(String(r[0])) < 0) return false;
      return true;
    });
    order();
    page = 0;
    render();
  }
  function order() {
    view.sort(function (a, b) {
      var x = a[col], y = b[col];
      return (x < y ? -1 : x > y ? 1 : 0) * dir || a[0] - b[0];
    });
  }
  function render() {
    var pages = Math.max(1, Math.ceil(view.length / size));
    page = Math.min(Math.max(page, 0), pages - 1);
    var out = [];
    view.slice(page * size, page * size + size).forEach(function (r) {
      out.push("<tr><td>" + r[0] + "</td><td>" + esc(r[1]) + (r[9] ? " *" : "") + "</td><td class=\"" + cls(r[2]) + "\">" + esc(r[2]) +
        "</td><td>" + esc(r[3]) + "</td><td class=\"" + cls(r[4]) + "\">" + esc(r[4]) + "</td><td>" + esc(r[10]) +
        "</td><td>" + r[5] + "-" + r[6] + "</td><td>" + esc(r[7]) + "</td><td>" + esc(r[8]) +
        "</td><td><code>tcp.stream eq " + r[0] + "</code></td></tr>");
    });
    body.innerHTML = out.join("");
    status.textContent = view.length ? "rows " + (page * size + 1) + "-" + Math.min(view.length, page * size + size) + " of " + view.length : "no rows match";
    $("prev").disabled = page === 0;
    $("next").disabled = page >= pages - 1;
  }
  document.querySelectorAll("#conns th[data-col]").forEach(function (th) {
    th.addEventListener("click", function () {
      var c = +th.getAttribute("data-col");
      dir = c === col ? -dir : 1;
      col = c;
      document.querySelectorAll("#conns th").forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", dir > 0 ? "ascending" : "descending");
      order();
      render();
    });
  });
  ["f-state", "f-role"].forEach(function (id) { $(id).addEventListener("change", apply); });
  ["f-service", "f-stream"].forEach(function (id) { $(id).addEventListener("input", apply); });
  $("prev").addEventListener("click", function () { page--; render(); });
  $("next").addEventListener("click", function () { page++; render(); });
  render();
})();
</script>
{{end}}
</body>
</html>
`
