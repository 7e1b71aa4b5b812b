// diaoyan serve: the workspace page (plain ES module, no framework, no build step).
//
// It speaks the JSON API in SPEC19: every request that changes state carries the CSRF
// token from <meta name="diaoyan-csrf"> in `X-Diaoyan-CSRF` (all requests carry it, which
// is harmless for GETs); project writes carry `base_version` and a 409 answer is shown as a
// conflict instead of overwriting. The preview is drawn with the vendored pdf.js 5.7.284
// (legacy build) on canvases; the previous pages stay on screen until the new ones are
// drawn.

const PDFJS_URL = "/assets/vendor/pdfjs/pdf.min.mjs";
const PDFJS_WORKER_URL = "/assets/vendor/pdfjs/pdf.worker.min.mjs";
const SAVE_DELAY_MS = 400;
const MARKDOWN_DELAY_MS = 350;
const BATCH_POLL_MS = 500;

const $ = (id) => document.getElementById(id);

// Milestones of the last edit → save → render → draw, for the browser test and curious
// writers (window.diaoyanTiming in the console): [name, ms since the last keystroke].
const timing = [];
window.diaoyanTiming = timing;
function mark(name) {
  timing.push([name, Math.round(performance.now() - state.lastInputAt)]);
}

// ---------------------------------------------------------------------------------------
// State

const state = {
  csrf: "",
  limits: null,
  packs: [],
  project: null, // <Project> as the server last returned it
  version: null, // the version our form is based on
  step: 1,
  dirty: false, // form edited since the last successful save
  saving: false,
  conflict: null, // the other <Project> after a 409
  saveTimer: 0,
  preview: { running: false, wanted: null, shownVersion: null, seq: 0 },
  lastInputAt: 0,
};

// ---------------------------------------------------------------------------------------
// HTTP

async function ensureCsrf() {
  const meta = document.querySelector('meta[name="diaoyan-csrf"]');
  const token = meta ? meta.getAttribute("content") || "" : "";
  if (token && !token.includes("{{")) {
    state.csrf = token;
  }
  const session = await api("GET", "/api/session");
  if (session.ok) {
    if (session.data.csrf) state.csrf = session.data.csrf;
    state.limits = session.data.limits || null;
  }
}

/// One request. Returns {ok, status, data, error}; never throws (a network failure is
/// status 0 with a Chinese message).
async function api(method, url, body) {
  const headers = { "X-Diaoyan-CSRF": state.csrf, Accept: "application/json" };
  let payload;
  if (body instanceof FormData) {
    payload = body;
  } else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, { method, headers, body: payload, credentials: "same-origin" });
  } catch (e) {
    return { ok: false, status: 0, data: null, error: "连接不上工作台程序：请确认 diaoyan serve 仍在运行，然后重试。" };
  }
  let data = null;
  const type = response.headers.get("Content-Type") || "";
  if (type.includes("json")) {
    try {
      data = await response.json();
    } catch (e) {
      data = null;
    }
  } else {
    try {
      data = { error: (await response.text()).slice(0, 500) };
    } catch (e) {
      data = null;
    }
  }
  const error = response.ok ? null : (data && data.error) || statusText(response.status);
  return { ok: response.ok, status: response.status, data, error };
}

function statusText(status) {
  switch (status) {
    case 401: return "需要登录口令：请使用启动时显示的完整网址打开本页。";
    case 403: return "请求被拒绝：请从工作台首页重新打开。";
    case 404: return "找不到这个项目或文件（可能已被删除）。";
    case 413: return "文件太大。";
    case 503: return "工作台正忙或生成超时，请稍后重试。";
    default: return `出错了（${status}）。`;
  }
}

const enc = encodeURIComponent;
const projectUrl = (id, rest = "") => `/api/projects/${enc(id)}${rest}`;

// ---------------------------------------------------------------------------------------
// Small DOM helpers

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

function setMsg(node, text, kind) {
  node.textContent = text || "";
  node.className = "msg" + (kind ? " " + kind : "");
}

function banner(text) {
  const b = $("banner");
  b.textContent = text || "";
  b.hidden = !text;
}

function timeOf(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function clock() {
  const d = new Date();
  const pad = (n) => String(n).padStart(2, "0");
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

// ---------------------------------------------------------------------------------------
// Problems: the CLI's words, with the place (cell, line, file:line:column) in bold.

const SEVERITY = { error: "错误", warning: "警告", note: "提示" };

// The place inside a problem's text: a sheet and cell ("工作表“社区数据”D3"), a row
// ("第 3 行"), or the CLI's leading "file:line:column".
const PLACE_PATTERNS = [
  /工作表“[^”]*”(?:[A-Z]{1,3}[0-9]+|第 ?[0-9]+ ?[行列])/u,
  /^[^\s:：]+\.(?:ya?ml|xlsx|xls|ods|csv|md):[0-9]+(?::[0-9]+)?/u,
  /第 ?[0-9]+ ?行(?:第 ?[0-9]+ ?列)?/u,
  /\b[A-Z]{1,3}[0-9]+\b/u,
];

function problemText(text) {
  const span = el("span", { class: "text" });
  for (const re of PLACE_PATTERNS) {
    const m = re.exec(text);
    if (m) {
      span.append(text.slice(0, m.index), el("strong", { class: "where", text: m[0] }), text.slice(m.index + m[0].length));
      return span;
    }
  }
  span.append(text);
  return span;
}

function problemList(problems) {
  const ul = el("ul", { class: "problems" });
  for (const p of problems || []) {
    const sev = p.severity || "error";
    ul.append(
      el("li", { class: sev },
        el("span", { class: "sev", text: SEVERITY[sev] || sev }),
        problemText(p.text || ""),
        p.source ? el("pre", { text: p.source }) : null),
    );
  }
  return ul;
}

/// Shows `problems` (errors first, then warnings and notes) in `node`; `okText` when
/// there are none.
function showProblems(node, groups, okText) {
  node.replaceChildren();
  const all = [...(groups.problems || []), ...(groups.warnings || []), ...(groups.notes || [])];
  const errors = all.filter((p) => (p.severity || "error") === "error").length;
  if (all.length === 0) {
    if (okText) node.append(el("p", { class: "none-ok", text: okText }));
    return;
  }
  if (groups.head) {
    node.append(el("p", { class: "problems-head" + (errors ? " bad" : ""), text: groups.head }));
  } else if (errors) {
    node.append(el("p", { class: "problems-head bad", text: `有 ${errors} 处需要改正：` }));
  }
  node.append(problemList(all));
}

// ---------------------------------------------------------------------------------------
// Steps

function go(step) {
  if (step >= 2 && step <= 5 && !state.project) step = 1;
  state.step = step;
  for (const b of document.querySelectorAll(".step")) {
    const s = Number(b.dataset.step);
    if (s === step) b.setAttribute("aria-current", "step");
    else b.removeAttribute("aria-current");
  }
  for (const p of document.querySelectorAll(".panel")) {
    p.hidden = Number(p.dataset.panel) !== step;
  }
  $("work").classList.toggle("wide", step === 6);
  if (step === 4 && state.project) requestPreview();
}

function refreshSteps() {
  const p = state.project;
  for (const s of [2, 3, 4, 5]) $(`nav-${s}`).disabled = !p;
  $("nav-1").classList.toggle("done", !!p);
  $("nav-2").classList.toggle("done", !!(p && p.units));
  $("nav-3").classList.toggle("done", !!(p && p.form && p.form.findings && p.form.findings.length));
}

// ---------------------------------------------------------------------------------------
// Packs and projects

async function loadPacks() {
  const r = await api("GET", "/api/packs");
  if (!r.ok) {
    banner(`读取模板失败：${r.error}`);
    return;
  }
  state.packs = r.data || [];
  for (const select of [$("pack-select"), $("batch-pack")]) {
    select.replaceChildren(
      ...state.packs.map((p) => el("option", { value: p.name, text: p.description ? `${p.description}（${p.name}）` : p.name })),
    );
  }
  showPackDesc();
}

function packOf(name) {
  return state.packs.find((p) => p.name === name) || null;
}

function showPackDesc() {
  const p = packOf($("pack-select").value);
  $("pack-desc").textContent = p
    ? `${p.origin === "workspace" ? "本工作台的模板" : "内置模板"}，每个${p.unit_label || "单位"}一行，共 ${p.fields ?? "若干"} 项数据。`
    : "";
}

async function loadProjects() {
  const r = await api("GET", "/api/projects");
  const box = $("project-list");
  if (!r.ok) {
    box.replaceChildren(el("p", { class: "msg bad", text: r.error }));
    return;
  }
  const list = r.data || [];
  if (list.length === 0) {
    box.replaceChildren(el("p", { class: "muted", text: "还没有项目。在上面新建一个。" }));
    return;
  }
  box.replaceChildren(
    el("table", {},
      el("thead", {}, el("tr", {}, el("th", { text: "项目" }), el("th", { text: "数据" }), el("th", { text: "最后修改" }), el("th", {}))),
      el("tbody", {}, list.map((p) =>
        el("tr", {},
          el("td", {}, el("strong", { text: p.id }), p.title ? el("div", { class: "muted", text: p.title }) : null),
          el("td", { text: p.units != null ? `${p.units} 个` : "未上传" }),
          el("td", { text: timeOf(p.updated) }),
          el("td", {}, el("button", { type: "button", class: "small", "data-open": p.id, onclick: () => openProject(p.id) }, "打开")),
        )))));
}

async function createProject(ev) {
  ev.preventDefault();
  const name = $("project-name-input").value.trim();
  const template = $("pack-select").value;
  const msg = $("new-project-msg");
  if (!name) {
    setMsg(msg, "请先填写项目名称。", "bad");
    $("project-name-input").focus();
    return;
  }
  $("create-project").disabled = true;
  const r = await api("POST", "/api/projects", { name, template });
  $("create-project").disabled = false;
  if (r.status === 409) {
    setMsg(msg, `已经有名为“${name}”的项目。请换一个名称，或在下面打开它。`, "bad");
    return;
  }
  if (!r.ok) {
    setMsg(msg, `新建失败：${r.error}`, "bad");
    return;
  }
  setMsg(msg, "", "");
  $("project-name-input").value = "";
  clearPreview("上传数据后，报告会显示在这里。");
  setProject(r.data, { form: true });
  loadProjects();
  go(2);
}

async function openProject(id, step) {
  const r = await api("GET", projectUrl(id));
  if (!r.ok) {
    banner(`打开项目失败：${r.error}`);
    if (r.status === 404) {
      localStorage.removeItem("diaoyan.project");
      history.replaceState(null, "", location.pathname);
    }
    return false;
  }
  banner("");
  clearPreview(r.data.units ? "正在生成报告……" : "上传数据后，报告会显示在这里。");
  setProject(r.data, { form: true });
  go(step || (r.data.units ? 3 : 2));
  if (r.data.units) requestPreview();
  return true;
}

/// Takes the server's <Project> as the page's state. `form: true` also refills the form
/// (on open, after upload or when loading the other version after a conflict).
function setProject(project, { form = false } = {}) {
  state.project = project;
  state.version = project.version;
  if (form) {
    state.formUnavailable = !project.form;
    $("form-unavailable").hidden = !state.formUnavailable;
    $("form").hidden = state.formUnavailable;
    fillForm(project.form);
    state.dirty = false;
    setConflict(null);
  }
  $("project-none").hidden = true;
  $("project-open").hidden = false;
  $("project-name").textContent = project.id;
  const pack = packOf(project.template);
  const bits = [pack && pack.description ? pack.description : `模板 ${project.template}`];
  const hasProblems = (project.problems || []).length > 0;
  bits.push(project.units != null ? `${project.units} 个${project.unit_label || "单位"}` : hasProblems ? "数据待改正" : "还没有数据");
  $("project-meta").textContent = bits.join(" · ");
  localStorage.setItem("diaoyan.project", project.id);
  const hash = "#project=" + enc(project.id);
  if (location.hash !== hash) history.replaceState(null, "", hash);
  showDataSummary();
  refreshSteps();
  document.title = `${project.id} · 调研报告工作台`;
}

function showDataSummary() {
  const p = state.project;
  if (!p) return;
  const label = p.unit_label || "单位";
  $("data-summary").replaceChildren(
    el("p", {}, p.units != null
      ? `已有 ${p.units} 个${label}的数据。重新上传会替换这些数据。`
      : (p.problems || []).length
        ? "数据或报告信息有问题，改正后才能生成报告（见下；报告标题等在第三步填写）。"
        : "还没有数据：请上传填好的表格。"),
  );
  showProblems($("data-problems"), { problems: p.problems, warnings: p.warnings, notes: p.notes }, p.units ? "数据检查通过，没有发现问题。" : "");
  const factProblems = (p.problems || []).filter((q) => factOfProblem(q) != null);
  if (factProblems.length) {
    $("data-problems").append(
      el("p", { class: "hint" },
        "报告用到的其他数字（如经费标准）不在表格里：请在第三步「报告用到的其他数字」中填写。 ",
        el("button", { type: "button", class: "link", onclick: () => { go(3); focusFirstFact(); } }, "去填写")),
    );
  }
  markFacts();
}

// ---------------------------------------------------------------------------------------
// Facts: the report's figures no table gives (funding standards, …)

let formFacts = [];

/// The fact path a problem is about (`facts.funding.office` in its field or text), if
/// it is one of the form's facts; "" for a problem about `facts` as a whole.
function factOfProblem(q) {
  const field = q.field || "";
  const m = /^facts(?:\.(.+))?$/.exec(field) || /\bfacts\.([A-Za-z0-9_.]*[A-Za-z0-9_])/.exec(q.text || "");
  if (!m) return null;
  const path = m[1] || "";
  if (!path) return "";
  const hit = formFacts.find((f) => f.path === path || path.startsWith(f.path + ".") || f.path.startsWith(path + "."));
  return hit ? hit.path : "";
}

function factId(path) {
  return "fact-" + path.replace(/[^A-Za-z0-9_]/g, "_");
}

function fillFacts(facts) {
  formFacts = facts || [];
  $("facts-card").hidden = formFacts.length === 0;
  $("facts").replaceChildren(...formFacts.map((f) => {
    const id = factId(f.path);
    const input = el("input", { id, type: "text", inputmode: "decimal", "data-fact": f.path, value: f.value || "" });
    input.value = f.value || "";
    return el("div", { class: "fact" },
      el("label", { for: id, text: f.label || f.path }),
      el("div", { class: "inline" }, input, f.unit ? el("span", { class: "unit", text: f.unit }) : null),
      el("p", { class: "fact-problem", id: id + "-problem", hidden: true }));
  }));
  markFacts();
}

function readFacts() {
  return formFacts.map((f) => {
    const input = $(factId(f.path));
    return { path: f.path, label: f.label, unit: f.unit, value: input ? input.value : f.value || "" };
  });
}

/// Marks each fact input a problem of the project is about, with the problem's text.
function markFacts() {
  const p = state.project;
  const problems = (p && p.problems) || [];
  for (const f of formFacts) {
    const input = $(factId(f.path));
    const note = $(factId(f.path) + "-problem");
    if (!input || !note) continue;
    const mine = problems.filter((q) => factOfProblem(q) === f.path);
    input.classList.toggle("missing", mine.length > 0);
    if (mine.length) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
    note.hidden = mine.length === 0;
    note.textContent = mine.length ? "请填写这一项：" + mine.map((q) => q.text || "").join("；") : "";
  }
}

function focusFirstFact() {
  const first = document.querySelector("#facts input.missing") || document.querySelector("#facts input");
  if (first) first.focus();
}

// ---------------------------------------------------------------------------------------
// Downloads (fetched, so a refusal is shown on the page instead of a JSON page)

function fileNameOf(disposition, fallback) {
  if (disposition) {
    const star = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
    if (star) {
      try {
        return decodeURIComponent(star[1]);
      } catch (e) { /* fall through */ }
    }
    const plain = /filename="([^"]+)"/i.exec(disposition);
    if (plain) return plain[1];
  }
  return fallback;
}

async function download(url, fallbackName, msgNode, problemsNode) {
  setMsg(msgNode, "正在准备文件……", "");
  if (problemsNode) problemsNode.replaceChildren();
  let response;
  try {
    response = await fetch(url, { headers: { "X-Diaoyan-CSRF": state.csrf }, credentials: "same-origin" });
  } catch (e) {
    setMsg(msgNode, "连接不上工作台程序：请确认 diaoyan serve 仍在运行。", "bad");
    return;
  }
  if (!response.ok) {
    let data = null;
    try {
      data = await response.json();
    } catch (e) { /* not JSON */ }
    setMsg(msgNode, `无法下载：${(data && data.error) || statusText(response.status)}`, "bad");
    if (problemsNode && data && data.problems) showProblems(problemsNode, { problems: data.problems }, "");
    return;
  }
  const blob = await response.blob();
  const name = fileNameOf(response.headers.get("Content-Disposition"), fallbackName);
  const href = URL.createObjectURL(blob);
  const a = el("a", { href, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 60000);
  setMsg(msgNode, `已下载：${name}`, "ok");
}

function downloadForm(msgNode) {
  const pack = (state.step === 1 || !state.project) ? $("pack-select").value : state.project.template;
  if (!pack) return;
  download(`/api/packs/${enc(pack)}/form.xlsx`, `${pack}-表格.xlsx`, msgNode);
}

// ---------------------------------------------------------------------------------------
// Upload

async function upload(file) {
  if (!state.project || !file) return;
  const msg = $("upload-msg");
  const out = $("upload-problems");
  out.replaceChildren();
  if (state.limits && file.size > state.limits.max_upload_mb * 1024 * 1024) {
    setMsg(msg, `文件太大：最大 ${state.limits.max_upload_mb} MB。`, "bad");
    return;
  }
  await flushSave();
  if (state.conflict) {
    setMsg(msg, "请先在“撰写报告”中处理修改冲突，再上传。", "bad");
    return;
  }
  setMsg(msg, `正在上传并检查“${file.name}”……`, "");
  const fd = new FormData();
  fd.append("base_version", state.version);
  fd.append("file", file, file.name);
  const r = await api("POST", projectUrl(state.project.id, "/upload"), fd);
  $("upload-input").value = "";
  if (r.status === 409) {
    setProject(r.data.current, { form: true });
    setMsg(msg, "项目刚在别处被修改过，已载入最新版本。请重新上传。", "bad");
    return;
  }
  if (!r.ok) {
    setMsg(msg, `“${file.name}”没有导入：${r.error}`, "bad");
    if (r.data && r.data.problems) {
      showProblems(out, { problems: r.data.problems, head: "请在表格中改正下面的问题，然后重新上传（项目中的数据没有改变）：" }, "");
    }
    return;
  }
  setProject(r.data, { form: true });
  const n = r.data.units;
  setMsg(msg, `已导入“${file.name}”${n != null ? `：${n} 个${r.data.unit_label || "单位"}` : ""}。`, "ok");
  if (r.data.notes && r.data.notes.length) showProblems(out, { notes: r.data.notes, head: "导入说明：" }, "");
  loadProjects();
  requestPreview();
}

function wireDrop(zone, onFiles) {
  zone.addEventListener("dragover", (e) => {
    e.preventDefault();
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("over");
    if (e.dataTransfer && e.dataTransfer.files.length) onFiles([...e.dataTransfer.files]);
  });
}

// ---------------------------------------------------------------------------------------
// The form: metadata, findings, recommendations, closing

const REPORT_KEYS = ["title", "subtitle", "region", "period", "organisation", "author", "date", "output"];

let reportExtra = {};

function fillForm(form) {
  form = form || {};
  const report = form.report || {};
  reportExtra = report.extra || {};
  for (const key of REPORT_KEYS) $(`f-${key}`).value = report[key] || "";
  renderItems("findings", form.findings || []);
  renderItems("recommendations", form.recommendations || []);
  $("f-closing").value = form.closing || "";
  markdownPreview($("f-closing"), $("f-closing-preview"));  fillFacts(form.facts || []);
}

function readForm() {
  const report = { extra: reportExtra };
  for (const key of REPORT_KEYS) report[key] = $(`f-${key}`).value;
  return {
    report,
    findings: readItems("findings"),
    recommendations: readItems("recommendations"),
    closing: $("f-closing").value,
    facts: readFacts(),
  };
}

const ITEM_WORD = { findings: "问题", recommendations: "建议" };

function renderItems(kind, items) {
  const box = $(kind);
  box.replaceChildren(...items.map((item, i) => itemCard(kind, item, i, items.length)));
}

function itemCard(kind, item, i, count) {
  const word = ITEM_WORD[kind];
  const id = `${kind}-${i}`;
  const card = el("div", { class: "item", "data-kind": kind });
  card._extra = item.extra || {};
  const text = el("textarea", { id: `${id}-text`, rows: 5, "data-field": "text" });
  text.value = item.text || "";
  const title = el("input", { id: `${id}-title`, type: "text", "data-field": "title" });
  title.value = item.title || "";
  const topic = el("input", { id: `${id}-topic`, type: "text", "data-field": "topic", placeholder: "如 office" });
  topic.value = item.topic || "";
  const preview = el("div", { class: "md-preview", id: `${id}-preview`, "aria-live": "polite" });
  card.append(
    el("div", { class: "item-head" },
      el("span", { class: "n", text: `${word} ${i + 1}` }),
      el("button", { type: "button", class: "small", "aria-label": `${word} ${i + 1} 上移`, disabled: i === 0, onclick: () => moveItem(kind, i, -1) }, "上移"),
      el("button", { type: "button", class: "small", "aria-label": `${word} ${i + 1} 下移`, disabled: i === count - 1, onclick: () => moveItem(kind, i, 1) }, "下移"),
      el("button", { type: "button", class: "small", "aria-label": `删除${word} ${i + 1}`, onclick: () => removeItem(kind, i) }, "删除"),
    ),
    el("div", { class: "grid-topic" },
      el("div", {}, el("label", { for: `${id}-title`, text: "标题" }), title),
      el("div", {}, el("label", { for: `${id}-topic`, text: "主题（可不填）" }), topic),
    ),
    el("label", { for: `${id}-text`, text: "正文" }),
    text,
    preview,
  );
  markdownPreview(text, preview);
  return card;
}

function readItems(kind) {
  return [...$(kind).querySelectorAll(".item")].map((card) => ({
    title: card.querySelector('[data-field="title"]').value,
    topic: card.querySelector('[data-field="topic"]').value,
    text: card.querySelector('[data-field="text"]').value,
    extra: card._extra || {},
  }));
}

function moveItem(kind, i, delta) {
  const items = readItems(kind);
  const j = i + delta;
  if (j < 0 || j >= items.length) return;
  [items[i], items[j]] = [items[j], items[i]];
  renderItems(kind, items);
  const btn = $(kind).querySelectorAll(".item")[j].querySelector(".item-head button:nth-of-type(" + (delta < 0 ? 1 : 2) + ")");
  if (btn && !btn.disabled) btn.focus();
  formChanged();
}

function removeItem(kind, i) {
  const items = readItems(kind);
  const t = items[i].title || items[i].text.slice(0, 20);
  if ((items[i].title || items[i].text) && !confirm(`删除“${t}”？`)) return;
  items.splice(i, 1);
  renderItems(kind, items);
  formChanged();
}

function addItem(kind) {
  const items = readItems(kind);
  items.push({ title: "", topic: "", text: "", extra: {} });
  renderItems(kind, items);
  const cards = $(kind).querySelectorAll(".item");
  cards[cards.length - 1].querySelector('[data-field="title"]').focus();
  formChanged();
}

// Markdown preview of one text box, through /api/markdown (safe HTML from the server).
const mdTimers = new WeakMap();
function markdownPreview(textarea, out) {
  clearTimeout(mdTimers.get(textarea));
  const text = textarea.value;
  if (!text.trim()) {
    out.replaceChildren();
    return;
  }
  mdTimers.set(textarea, setTimeout(async () => {
    const r = await api("POST", "/api/markdown", { text });
    if (textarea.value !== text) return; // typed on since
    if (!r.ok) {
      out.replaceChildren(el("p", { class: "muted", text: `（无法显示排版预览：${r.error}）` }));
      return;
    }
    const box = el("div");
    box.innerHTML = r.data.html || ""; // sanitised by the server: no raw HTML passes
    out.replaceChildren(box);
    if (r.data.problems && r.data.problems.length) out.append(problemList(r.data.problems));
  }, MARKDOWN_DELAY_MS));
}

// ---------------------------------------------------------------------------------------
// Autosave

function saveStatus(text, kind) {
  const s = $("save-status");
  s.textContent = text;
  s.className = "save" + (kind ? " " + kind : "");
}

function formChanged() {
  if (!state.project || state.formUnavailable) return;
  state.dirty = true;
  state.lastInputAt = performance.now();
  timing.length = 0;
  if (state.conflict) {
    saveStatus("未保存（修改冲突）", "bad");
    return;
  }
  saveStatus("有修改，即将保存……", "busy");
  clearTimeout(state.saveTimer);
  state.saveTimer = setTimeout(save, SAVE_DELAY_MS);
}

let savePromise = null;

async function save() {
  clearTimeout(state.saveTimer);
  if (!state.project || !state.dirty || state.conflict || state.formUnavailable) return;
  if (savePromise) {
    // One save at a time: save again when the running one is done.
    await savePromise;
    return save();
  }
  savePromise = (async () => {
    state.dirty = false;
    saveStatus("保存中……", "busy");
    mark("save");
    const id = state.project.id;
    const r = await api("PUT", projectUrl(id, "/form"), { base_version: state.version, form: readForm() });
    if (r.ok) {
      mark("saved");
      if ($("banner").textContent.startsWith("保存失败")) banner("");
      setProject(r.data);
      if (!state.dirty) saveStatus(`已保存 ${clock()}`, "ok");
      requestPreview();
    } else if (r.status === 409 && r.data && r.data.current) {
      state.dirty = true;
      setConflict(r.data.current);
    } else {
      state.dirty = true;
      saveStatus("保存失败", "bad");
      banner(`保存失败：${r.error}（修改仍在页面上，稍后会再次尝试保存）`);
      clearTimeout(state.saveTimer);
      state.saveTimer = setTimeout(save, 5000);
    }
  })();
  try {
    await savePromise;
  } finally {
    savePromise = null;
  }
}

async function flushSave() {
  if (state.dirty) await save();
  else if (savePromise) await savePromise;
}

function setConflict(current) {
  state.conflict = current;
  $("conflict").hidden = !current;
  if (current) {
    saveStatus("未保存（修改冲突）", "bad");
    if (state.step !== 3) go(3);
    $("conflict").scrollIntoView({ block: "nearest" });
  } else {
    banner("");
  }
}

function loadOtherVersion() {
  const current = state.conflict;
  if (!current) return;
  setProject(current, { form: true });
  saveStatus(`已载入最新版本 ${clock()}`, "ok");
  requestPreview();
}

function keepMine() {
  const current = state.conflict;
  if (!current) return;
  state.version = current.version;
  state.conflict = null;
  $("conflict").hidden = true;
  state.dirty = true;
  save();
}

// ---------------------------------------------------------------------------------------
// Preview: POST /preview, then draw the PDF with pdf.js, replacing the pages only when the
// new ones are drawn.

let pdfjs = null;
let pdfWorker = null;
let drawnWidth = 0;
async function loadPdfjs() {
  if (!pdfjs) {
    pdfjs = await import(PDFJS_URL);
    pdfjs.GlobalWorkerOptions.workerSrc = PDFJS_WORKER_URL;
  }
  return pdfjs;
}

function previewStatus(text, busy) {
  const s = $("preview-status");
  s.textContent = text;
  s.classList.toggle("busy", !!busy);
}

function clearPreview(text) {
  const pages = $("pages");
  pages.replaceChildren(el("p", { class: "empty", id: "pages-empty", text: text || "正在生成报告……" }));
  delete pages.dataset.version;
  state.preview.shownVersion = null;
  $("preview-note").hidden = true;
  $("preview-problems").replaceChildren(el("p", { class: "muted", text: "还没有生成报告。" }));
}

/// Asks for a preview of the current version; coalesces: at most one render runs, and
/// when it ends the latest version is rendered if it changed meanwhile.
function requestPreview() {
  if (!state.project) return;
  state.preview.wanted = { id: state.project.id, version: state.version };
  if (!state.preview.running) runPreview();
}

async function runPreview() {
  const pv = state.preview;
  pv.running = true;
  try {
    while (pv.wanted) {
      const { id, version } = pv.wanted;
      pv.wanted = null;
      if (!state.project || state.project.id !== id) continue;
      if (pv.shownVersion === version && $("pages").dataset.version === version) continue;
      await previewOnce(id, version);
    }
  } finally {
    pv.running = false;
  }
}

async function previewOnce(id, version) {
  const pages = $("pages");
  pages.classList.add("stale");
  previewStatus("正在更新……", true);
  const started = performance.now();
  mark("preview");
  const r = await api("POST", projectUrl(id, "/preview"), { base_version: version });
  mark("rendered");
  if (!state.project || state.project.id !== id) return;
  if (r.status === 409 && r.data && r.data.current) {
    // Changed on disk (another tab, the CLI): the form decides what happens next.
    if (!state.dirty && !state.conflict) {
      setProject(r.data.current, { form: true });
      requestPreview();
    }
    pages.classList.remove("stale");
    previewStatus("", false);
    return;
  }
  if (!r.ok) {
    pages.classList.remove("stale");
    previewStatus("预览没有更新", false);
    showNote(`预览没有更新：${r.error}`);
    return;
  }
  const d = r.data;
  if (!d.ok) {
    pages.classList.remove("stale");
    previewStatus(`报告有问题，未能生成（服务器 ${d.server_ms ?? "?"} 毫秒）`, false);
    showNote(pages.dataset.version ? "数据或文字有问题，报告未能更新；下面仍是上一次生成的报告。问题列在左侧“预览”步骤中。" : "数据或文字有问题，报告未能生成。问题列在左侧“预览”步骤中。");
    showProblems($("preview-problems"), { problems: d.problems, warnings: d.warnings }, "");
    if (!pages.querySelector("canvas")) {
      pages.replaceChildren(el("div", { class: "failed" }, el("p", { class: "problems-head bad", text: "报告未能生成，请先改正这些问题：" }), problemList(d.problems)));
    }
    pages.dataset.failedVersion = d.version || version;
    return;
  }
  try {
    const drawn = await drawPdf(d.pdf, d.version || version);
    if (!drawn) return;
    const total = Math.round(performance.now() - started);
    state.preview.shownVersion = d.version || version;
    $("preview-note").hidden = true;
    previewStatus(`已更新 ${clock()} · 共 ${drawn} 页 · 服务器生成 ${d.server_ms ?? "?"} 毫秒，共 ${total} 毫秒`, false);
    const p = state.project;
    $("preview-summary").textContent = `共 ${drawn} 页${p && p.units != null ? `，${p.units} 个${p.unit_label || "单位"}` : ""}。${clock()} 生成，下载的文件与预览完全相同。`;
    showProblems($("preview-problems"), { warnings: d.warnings }, "没有发现问题，报告可以下载。");
  } catch (e) {
    pages.classList.remove("stale");
    previewStatus("预览没有更新", false);
    showNote(`无法显示报告：${e && e.message ? e.message : e}。可到“下载”中直接下载 PDF。`);
  }
}

function showNote(text) {
  const n = $("preview-note");
  n.textContent = text;
  n.hidden = !text;
}

/// Draws the PDF at `url` on new canvases and swaps them in for the old ones (keeping the
/// scroll position) as soon as the pages in view are drawn; the other pages are drawn
/// right after, in place. Returns the page count, or 0 if a newer preview superseded it.
async function drawPdf(url, version) {
  const seq = ++state.preview.seq;
  const lib = await loadPdfjs();
  const response = await fetch(url, { credentials: "same-origin" });
  if (!response.ok) throw new Error(`读取预览失败（${response.status}）`);
  const data = new Uint8Array(await response.arrayBuffer());
  mark("fetched");
  if (!pdfWorker) pdfWorker = new lib.PDFWorker({ name: "diaoyan-preview" });
  const doc = await lib.getDocument({ data, worker: pdfWorker, isEvalSupported: false, useWasm: false, enableXfa: false }).promise;
  mark("opened");
  let handedOver = false;
  try {
    if (seq !== state.preview.seq) return 0;
    const box = $("pages");
    const width = Math.min(900, Math.max(320, box.clientWidth - 40));
    drawnWidth = box.clientWidth;
    const ratio = window.devicePixelRatio || 1;
    const pdfPages = await Promise.all(Array.from({ length: doc.numPages }, (_, i) => doc.getPage(i + 1)));
    const slots = pdfPages.map((page, i) => {
      const base = page.getViewport({ scale: 1 });
      const viewport = page.getViewport({ scale: Math.min(width / base.width, 2) * ratio });
      const canvas = el("canvas", { "aria-label": `第 ${i + 1} 页`, role: "img", "data-page": i + 1 });
      canvas.width = Math.floor(viewport.width);
      canvas.height = Math.floor(viewport.height);
      canvas.style.width = `${Math.floor(viewport.width / ratio)}px`;
      canvas.style.height = `${Math.floor(viewport.height / ratio)}px`;
      return { page, viewport, canvas, drawn: false };
    });
    // The pages in view at the current scroll position (the new pages have the old ones'
    // sizes as long as the page format did not change).
    const top = box.scrollTop;
    const inView = [];
    let y = 16;
    for (const s of slots) {
      const h = s.viewport.height / ratio;
      if (y + h >= top && y <= top + box.clientHeight) inView.push(s);
      y += h + 14;
    }
    if (inView.length === 0) inView.push(slots[0]);
    const draw = async (s) => {
      await s.page.render({ canvas: s.canvas, viewport: s.viewport }).promise;
      s.drawn = true;
    };
    for (const s of inView) {
      await draw(s);
      if (seq !== state.preview.seq) return 0;
    }
    mark("drawn");
    box.replaceChildren(...slots.map((s) => s.canvas));
    box.scrollTop = top;
    box.classList.remove("stale");
    box.dataset.version = version;
    box.dataset.drawnAt = String(performance.now());
    box.dataset.pages = String(slots.length);
    delete box.dataset.failedVersion;
    // The rest, in place, unless a newer version takes over.
    handedOver = true;
    (async () => {
      try {
        for (const s of slots) {
          if (seq !== state.preview.seq) break;
          if (!s.drawn) await draw(s);
        }
        if (seq === state.preview.seq) box.dataset.allDrawn = version;
      } catch (e) {
        /* superseded or destroyed: the next version draws its own pages */
      } finally {
        doc.destroy();
      }
    })();
    return slots.length;
  } finally {
    if (!handedOver) doc.destroy();
  }
}

// ---------------------------------------------------------------------------------------
// Batch

const batch = { files: [], timer: 0 };

function setBatchFiles(files) {
  batch.files = files;
  $("batch-files").replaceChildren(...files.map((f) => el("li", { text: `${f.name}（${Math.ceil(f.size / 1024)} KB）` })));
  $("batch-start").disabled = files.length === 0;
  setMsg($("batch-msg"), files.length ? `已选 ${files.length} 个文件。` : "", "");
}

async function startBatch(ev) {
  ev.preventDefault();
  if (!batch.files.length) return;
  const fd = new FormData();
  fd.append("template", $("batch-pack").value);
  for (const f of batch.files) fd.append("files", f, f.name);
  $("batch-start").disabled = true;
  setMsg($("batch-msg"), "正在上传……", "");
  const r = await api("POST", "/api/batch", fd);
  if (!r.ok) {
    $("batch-start").disabled = false;
    setMsg($("batch-msg"), `没有开始：${r.error}`, "bad");
    if (r.data && r.data.problems) showProblems($("batch-failures"), { problems: r.data.problems }, "");
    return;
  }
  setMsg($("batch-msg"), "已开始生成。", "ok");
  sessionStorage.setItem("diaoyan.batch", r.data.id);
  showBatch({ id: r.data.id, state: "running", total: r.data.total, done: 0, ok: 0, failed: 0, failures: [], download: null });
  pollBatch(r.data.id);
}

async function pollBatch(id) {
  clearTimeout(batch.timer);
  const r = await api("GET", `/api/batch/${enc(id)}`);
  if (!r.ok) {
    setMsg($("batch-msg"), `读取进度失败：${r.error}`, "bad");
    if (r.status !== 404) batch.timer = setTimeout(() => pollBatch(id), 2000);
    return;
  }
  showBatch(r.data);
  if (r.data.state !== "done") batch.timer = setTimeout(() => pollBatch(id), BATCH_POLL_MS);
  else $("batch-start").disabled = batch.files.length === 0;
}

function showBatch(job) {
  $("batch-job").hidden = false;
  const p = $("batch-progress");
  p.max = Math.max(1, job.total || 0);
  p.value = job.done || 0;
  const doneText = job.state === "done" ? "全部完成" : "正在生成";
  if (job.error) setMsg($("batch-msg"), `批量生成出错：${job.error}`, "bad");
  $("batch-count").textContent = `${doneText}：${job.done || 0} / ${job.total || 0}，成功 ${job.ok || 0} 份，失败 ${job.failed || 0} 份。`;
  const dl = $("batch-download");
  dl.hidden = !job.download;
  dl.onclick = () => download(job.download, "reports.zip", $("batch-msg"));
  const box = $("batch-failures");
  box.replaceChildren();
  if (job.failures && job.failures.length) {
    box.append(el("h3", { text: `失败的文件（${job.failures.length} 个，已写入 zip 中的“失败清单.txt”）` }));
    const ul = el("ul", { class: "failures" });
    for (const f of job.failures) {
      const problems = f.problems || [];
      const shown = problems.some((p) => p.text === f.error);
      ul.append(el("li", {}, el("strong", { text: f.file }), shown || !f.error ? null : `：${f.error}`, problems.length ? problemList(problems) : null));
    }
    box.append(ul);
  } else if (job.state === "done") {
    box.append(el("p", { class: "none-ok", text: "所有文件都已生成报告。" }));
  }
}

// ---------------------------------------------------------------------------------------
// Start

function wire() {
  for (const b of document.querySelectorAll(".step")) b.addEventListener("click", () => go(Number(b.dataset.step)));
  for (const b of document.querySelectorAll("[data-goto]")) b.addEventListener("click", () => go(Number(b.dataset.goto)));
  $("pack-select").addEventListener("change", showPackDesc);
  $("new-project").addEventListener("submit", createProject);
  $("download-form").addEventListener("click", () => downloadForm($("new-project-msg")));
  $("download-form-2").addEventListener("click", () => downloadForm($("upload-msg")));
  $("upload-input").addEventListener("change", (e) => upload(e.target.files[0]));
  wireDrop($("upload-drop"), (files) => upload(files[0]));
  $("form").addEventListener("input", (e) => {
    formChanged();
    const t = e.target;
    if (t.tagName === "TEXTAREA") {
      const out = t.id === "f-closing" ? $("f-closing-preview") : $(t.id.replace(/-text$/, "-preview"));
      if (out) markdownPreview(t, out);
    }
  });
  $("form").addEventListener("submit", (e) => e.preventDefault());
  $("add-finding").addEventListener("click", () => addItem("findings"));
  $("add-recommendation").addEventListener("click", () => addItem("recommendations"));
  $("conflict-load").addEventListener("click", loadOtherVersion);
  $("conflict-keep").addEventListener("click", keepMine);
  $("preview-refresh").addEventListener("click", () => {
    state.preview.shownVersion = null;
    delete $("pages").dataset.version;
    requestPreview();
  });
  for (const b of document.querySelectorAll("[data-download]")) {
    b.addEventListener("click", async () => {
      if (!state.project) return;
      await flushSave();
      const kind = b.dataset.download;
      const card = b.closest(".card");
      const msg = (card && card.querySelector(".msg")) || $("download-msg");
      const problems = msg.id === "download-msg" ? $("download-problems") : null;
      download(projectUrl(state.project.id, `/download/${kind}`), `${state.project.id}.${kind}`, msg, problems);
    });
  }
  $("batch-form").addEventListener("submit", startBatch);
  $("batch-input").addEventListener("change", (e) => setBatchFiles([...e.target.files]));
  wireDrop($("batch-drop"), setBatchFiles);
  let resizeTimer = 0;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      const w = $("pages").clientWidth;
      if (drawnWidth && w && Math.abs(w - drawnWidth) > 40 && $("pages").dataset.version) {
        state.preview.shownVersion = null;
        delete $("pages").dataset.version;
        requestPreview();
      }
    }, 300);
  });
  window.addEventListener("beforeunload", (e) => {
    if (state.dirty || savePromise) {
      save();
      e.preventDefault();
    }
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") flushSave();
  });
}

async function start() {
  wire();
  saveStatus("", "");
  await ensureCsrf();
  if (state.limits) $("upload-limit").textContent = `单个文件最大 ${state.limits.max_upload_mb} MB`;
  await loadPacks();
  await loadProjects();
  refreshSteps();
  const fromHash = /^#project=(.+)$/.exec(location.hash);
  let id = null;
  if (fromHash) {
    try {
      id = decodeURIComponent(fromHash[1]);
    } catch (e) {
      id = null;
    }
  }
  id = id || localStorage.getItem("diaoyan.project");
  if (!(id && (await openProject(id)))) go(1);
  const job = sessionStorage.getItem("diaoyan.batch");
  if (job) pollBatch(job);
  document.body.dataset.ready = "1";
}

start().catch((e) => banner(`页面出错：${e && e.message ? e.message : e}。请刷新页面重试。`));
