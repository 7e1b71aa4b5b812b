// Browser test of `diaoyan serve`: drives Debian's headless Chromium (playwright-core, no
// downloaded browser) through the writer's flow in SPEC19 "Tests".
//
//   node tests/browser/run.mjs --bin target/release/diaoyan --work /tmp/dir [--screenshot docs/images/serve.png]
//
// (`tests/tools/browser.rs` runs it; DIAOYAN_UPDATE_SCREENSHOT=1 there passes --screenshot.)
// Every step asserts the right value (the CLI's words, the cell address, bytes equal to the
// CLI's render); on failure it prints the step and exits 1, and it always stops the server
// and the browser. The last line of stdout is a JSON summary with the measured latencies.

import { spawn, spawnSync } from "node:child_process";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { unzipSync, zipSync, strFromU8, strToU8 } from "fflate";
import { chromium } from "playwright-core";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const SEED = path.join(ROOT, "data/qingnianlu-2019.yaml");
const PACK = "community-survey";
const PROJECT = "青年路街道";
const TIMEOUT = 30_000;

function args() {
  const out = { bin: path.join(ROOT, "target/release/diaoyan"), work: null, screenshot: null };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    if (argv[i] === "--bin") (out.bin = path.resolve(v)), i++;
    else if (argv[i] === "--work") (out.work = path.resolve(v)), i++;
    else if (argv[i] === "--screenshot") (out.screenshot = path.resolve(v)), i++;
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  out.work ??= fs.mkdtempSync(path.join(os.tmpdir(), "diaoyan-browser-"));
  fs.mkdirSync(out.work, { recursive: true });
  return out;
}

const opts = args();
const log = (...a) => console.log("·", ...a);
const cleanups = [];
let step = "start";

/// Runs the CLI; returns {status, stdout, stderr}.
function cli(...argv) {
  const r = spawnSync(opts.bin, argv, { cwd: ROOT, encoding: "utf8" });
  if (r.error) throw r.error;
  return r;
}

/// Starts `diaoyan serve --port 0` on a fresh workspace and resolves to its URL.
function startServer(workspace) {
  const child = spawn(opts.bin, ["serve", "--port", "0", "--dir", workspace, "--no-system-fonts"], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  cleanups.push(() => child.exitCode === null && child.kill("SIGKILL"));
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`serve printed no address in 20 s; stderr: ${stderr}`)), 20_000);
    child.stdout.on("data", (d) => {
      out += d;
      const line = out.split("\n").find((l) => l.includes("http://"));
      if (line) {
        clearTimeout(timer);
        resolve(line.slice(line.indexOf("http://")).trim());
      }
    });
    child.on("exit", (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  });
}

/// The seed's workbook (`diaoyan export`), and a copy with one number cell (社区数据!D3,
/// 青年路第一社区's 居民户数) turned into text.
function workbooks(dir) {
  const good = path.join(dir, "青年路-社区数据.xlsx");
  const r = cli("export", SEED, "-o", good);
  assert.equal(r.status, 0, `export failed: ${r.stderr}`);
  const files = unzipSync(new Uint8Array(fs.readFileSync(good)));
  const workbook = strFromU8(files["xl/workbook.xml"]);
  assert.match(workbook, /<sheet name="社区数据" sheetId="1" r:id="rId1"\/>/, "the first sheet is 社区数据");
  const sheetName = "xl/worksheets/sheet1.xml";
  const sheet = strFromU8(files[sheetName]);
  const cell = /<c r="D3"([^>]*?)(?: t="n")?><v>([0-9.]+)<\/v><\/c>/;
  const m = cell.exec(sheet);
  assert.ok(m, "D3 of 社区数据 is a number cell");
  assert.equal(m[2], "2219", "D3 is 青年路第一社区's 居民户数");
  files[sheetName] = strToU8(sheet.replace(cell, `<c r="D3"$1 t="inlineStr"><is><t>约2219户</t></is></c>`));
  const bad = path.join(dir, "青年路-有错.xlsx");
  fs.writeFileSync(bad, zipSync(files, { level: 6 }));
  return { good, bad };
}

async function main() {
  // Fresh folders even when --work is reused.
  const ws = fs.mkdtempSync(path.join(opts.work, "workspace-"));
  const tmp = fs.mkdtempSync(path.join(opts.work, "files-"));
  fs.mkdirSync(tmp, { recursive: true });
  const { good, bad } = workbooks(tmp);

  // The CLI's words for the bad workbook (the page must show the same text).
  step = "CLI import of the bad workbook";
  const cliImport = cli("import", bad, "--template", PACK, "-o", path.join(tmp, "bad.yaml"));
  assert.equal(cliImport.status, 2);
  const cliD3 = cliImport.stderr.split("\n").find((l) => l.includes("D3"));
  assert.ok(cliD3, `the CLI names D3: ${cliImport.stderr}`);
  const cliD3Words = cliD3.slice(cliD3.indexOf(": ") + 2); // without the file's path

  step = "start the server";
  const url = await startServer(ws);
  log("server", url);

  const launch = {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: process.getuid && process.getuid() === 0 ? ["--no-sandbox"] : [],
  };
  const browser = await chromium.launch(launch);
  cleanups.push(() => browser.close());
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    deviceScaleFactor: 1,
    acceptDownloads: true,
    locale: "zh-CN",
  });
  context.setDefaultTimeout(TIMEOUT);
  const page = await context.newPage();
  const pageErrors = [];
  page.on("pageerror", (e) => pageErrors.push(String(e)));
  // A refused request (422, 409) is logged by Chromium as a failed resource: not an error of the page.
  page.on("console", (m) => m.type() === "error" && !m.text().startsWith("Failed to load resource") && pageErrors.push(m.text()));

  step = "open the page";
  await page.goto(url);
  await page.waitForSelector("body[data-ready='1']");
  assert.equal(await page.locator("#h-1").textContent(), "第一步：选择模板，新建或打开项目");
  const csrf = await page.getAttribute('meta[name="diaoyan-csrf"]', "content");
  assert.match(csrf, /^[0-9A-Za-z_-]{16,}$/, "the server put its CSRF token in the page");

  step = "create a project";
  await page.selectOption("#pack-select", PACK);
  await page.fill("#project-name-input", PROJECT);
  await page.click("#create-project");
  await page.waitForSelector("section[data-panel='2']:not([hidden])");
  assert.equal(await page.textContent("#project-name"), PROJECT);
  assert.ok(fs.statSync(path.join(ws, PROJECT, "survey.yaml")).isFile(), "the project's survey.yaml exists");

  step = "download the empty form";
  const form = await downloadOf(page, () => page.click("#download-form-2"));
  assert.equal(form.name, `${PACK}-表格.xlsx`);
  const formFiles = unzipSync(new Uint8Array(fs.readFileSync(form.path)));
  assert.match(strFromU8(formFiles["xl/workbook.xml"]), /<sheet name="社区数据"/, "the form has the 社区数据 sheet");

  step = "upload the workbook with text in a number cell";
  const summaryBefore = await page.textContent("#data-summary");
  const yamlBefore = fs.readFileSync(path.join(ws, PROJECT, "survey.yaml"));
  await page.setInputFiles("#upload-input", bad);
  const problem = page.locator("#upload-problems .problems li", { hasText: "D3" });
  await problem.first().waitFor();
  const text = await problem.first().locator(".text").textContent();
  assert.ok(text.endsWith(cliD3Words), `the page words it as the CLI:\n page: ${text}\n CLI:  ${cliD3}`);
  assert.equal(await problem.first().locator("strong.where").textContent(), "工作表“社区数据”D3", "the cell is in bold");
  assert.match(await page.textContent("#upload-msg"), /没有导入/);
  assert.equal(await page.textContent("#data-summary"), summaryBefore, "the page shows the same data");
  assert.ok(fs.readFileSync(path.join(ws, PROJECT, "survey.yaml")).equals(yamlBefore), "survey.yaml is unchanged");

  step = "upload the fixed workbook";
  await page.setInputFiles("#upload-input", good);
  await page.waitForFunction(() => document.querySelector("#upload-msg").className.includes("ok"));
  assert.match(await page.textContent("#upload-msg"), /^已导入“青年路-社区数据\.xlsx”/);
  const merged = fs.readFileSync(path.join(ws, PROJECT, "survey.yaml"), "utf8");
  assert.equal(merged.match(/^  - name: /gm)?.length, 12, "the 12 communities are merged into survey.yaml");
  await page.screenshot({ path: path.join(opts.work, "after-upload.png") });
  assert.equal(await page.locator("#upload-problems .problems li.error").count(), 0);

  // The facts the report needs are not in the workbook: the page says where to fill them
  // (step 3's 「报告用到的其他数字」), and the writer fills them there.
  const factProblems = await page.locator("#data-problems .problems li.error", { hasText: "facts." }).count();
  if (factProblems > 0) {
    step = "fill the report's facts in the form";
    const hint = await page.textContent("#data-problems");
    assert.match(hint, /请在第三步「报告用到的其他数字」中填写/);
    assert.doesNotMatch(hint, /记事本|下载数据文件/, "no YAML round trip asked of the writer");
    await page.click("#nav-3");
    assert.ok(await page.isVisible("#facts-card"), "the facts section is shown");
    assert.ok((await page.locator("#facts input.missing").count()) > 0, "the facts to fill are marked");
    const values = { seniority_raise: "15", "funding.office": "15000", "funding.party": "20000" };
    for (const [fact, value] of Object.entries(values)) {
      const input = page.locator(`#facts input[data-fact="${fact}"]`);
      assert.equal(await input.count(), 1, `an input for ${fact}`);
      await input.fill(value);
    }
    await page.waitForFunction(() => document.querySelector("#save-status").textContent.startsWith("已保存"));
    await page.waitForFunction(() => document.querySelectorAll("#facts input.missing").length === 0);
    const saved = fs.readFileSync(path.join(ws, PROJECT, "survey.yaml"), "utf8");
    assert.match(saved, /^ {4}office: 15000 {2}# /m, `the office funding is in survey.yaml:\n${saved}`);
    assert.match(saved, /^ {2}seniority_raise: 15 {2}# /m);
  }

  step = "write the report's metadata and a finding";
  await page.click("#nav-3");
  await fillIfEmpty(page, "#f-title", "强化基层保障 理顺管理体制 推动社区治理能力现代化");
  await fillIfEmpty(page, "#f-region", "青年路街道");
  await fillIfEmpty(page, "#f-period", "2019");
  if ((await page.locator("#findings .item").count()) === 0) await page.click("#add-finding");
  const finding = page.locator("#findings .item").first();
  await finding.locator('[data-field="title"]').fill("行政事务挤占自治空间");
  await finding.locator('[data-field="text"]').fill("各社区普遍反映承接的行政性工作已占全部工作量的六成以上。");
  await page.waitForFunction(() => document.querySelector("#save-status").textContent.startsWith("已保存"));

  step = "the preview shows pages";
  await page.click("#nav-4");
  await page.waitForFunction(() => document.querySelectorAll("#pages canvas").length > 0, null, { timeout: 60_000 });
  const pagesShown = await page.locator("#pages canvas").count();
  assert.ok(pagesShown >= 3, `the seed's report has several pages, got ${pagesShown}`);
  assert.ok(await canvasHasInk(page), "the first page is drawn (not blank)");
  assert.equal(await page.locator("#preview-problems .problems li.error").count(), 0);

  step = "edit a finding: the preview refreshes";
  await page.click("#nav-3");
  const latencies = [];
  const timings = [];
  for (let round = 0; round < 3; round++) {
    const before = await page.getAttribute("#pages", "data-version");
    const box = page.locator("#findings .item").first().locator('[data-field="text"]');
    await box.focus();
    await page.keyboard.press("End");
    await page.keyboard.type(`第${round + 1}次修改。`, { delay: 15 });
    const lastKey = await page.evaluate(() => performance.now());
    await page.waitForFunction((v) => {
      const p = document.querySelector("#pages");
      return p.dataset.version && p.dataset.version !== v && p.querySelectorAll("canvas").length > 0;
    }, before, { timeout: 60_000 });
    const drawnAt = Number(await page.getAttribute("#pages", "data-drawn-at"));
    latencies.push(Math.round(drawnAt - lastKey));
    timings.push(Object.fromEntries(await page.evaluate(() => window.diaoyanTiming)));
  }
  const status = await page.textContent("#preview-status");
  const serverMs = Number((/服务器生成 (\d+) 毫秒/.exec(status) || [])[1]);
  log("refresh latency (last keystroke → new pages drawn), ms:", latencies.join(", "), "· server", serverMs, "ms");
  log("milestones after the last keystroke, ms:", JSON.stringify(timings));
  const yamlOnDisk = fs.readFileSync(path.join(ws, PROJECT, "survey.yaml"), "utf8");
  assert.ok(yamlOnDisk.includes("第3次修改。"), "the edit is saved in survey.yaml");

  step = "download the DOCX and PDF: the CLI's bytes";
  await page.click("#nav-5");
  const docx = await downloadOf(page, () => page.click("#dl-docx"));
  const pdf = await downloadOf(page, () => page.click("#dl-pdf"));
  const cliOut = path.join(tmp, "cli");
  const renderArgs = ["render", path.join(ws, PROJECT, "survey.yaml"), "-o", cliOut, "--no-system-fonts"];
  if (fs.existsSync(path.join(ws, "templates"))) renderArgs.push("--template", path.join(ws, "templates"));
  const rendered = cli(...renderArgs);
  assert.equal(rendered.status, 0, `diaoyan render failed: ${rendered.stderr}`);
  const cliDocx = fs.readdirSync(cliOut).find((f) => f.endsWith(".docx"));
  const cliPdf = fs.readdirSync(cliOut).find((f) => f.endsWith(".pdf"));
  assert.equal(docx.name, cliDocx, "the DOCX is named as the CLI names it");
  assert.ok(fs.readFileSync(docx.path).equals(fs.readFileSync(path.join(cliOut, cliDocx))), "DOCX bytes equal the CLI's");
  assert.ok(fs.readFileSync(pdf.path).equals(fs.readFileSync(path.join(cliOut, cliPdf))), "PDF bytes equal the CLI's");

  step = "the preview step, for the screenshot";
  await page.click("#nav-4");
  await page.waitForFunction(() => !document.querySelector("#preview-status").classList.contains("busy"));
  if (opts.screenshot) {
    await page.locator("#pages").evaluate((p) => (p.scrollTop = 0));
    await page.screenshot({ path: opts.screenshot });
    log("screenshot", opts.screenshot);
  }

  step = "a second tab: the conflict is shown, nothing is overwritten";
  const other = await context.newPage();
  await other.goto(url + `#project=${encodeURIComponent(PROJECT)}`);
  await other.waitForSelector("body[data-ready='1']");
  await other.click("#nav-3");
  await other.locator("#f-subtitle").fill("——另一个标签页写的副标题");
  await other.waitForFunction(() => document.querySelector("#save-status").textContent.startsWith("已保存"));
  await page.click("#nav-3");
  await page.locator("#f-author").fill("第一个标签页的执笔人");
  await page.waitForSelector("#conflict:not([hidden])");
  assert.match(await page.textContent("#conflict"), /这个项目刚刚在别处被修改过.*没有保存/s);
  assert.equal(await page.inputValue("#f-author"), "第一个标签页的执笔人", "the unsaved text stays visible");
  let onDisk = fs.readFileSync(path.join(ws, PROJECT, "survey.yaml"), "utf8");
  assert.ok(onDisk.includes("另一个标签页写的副标题") && !onDisk.includes("第一个标签页的执笔人"), "the other tab's save stands");
  await page.click("#conflict-load");
  assert.equal(await page.inputValue("#f-subtitle"), "——另一个标签页写的副标题");
  assert.ok(await page.locator("#conflict").isHidden());
  await other.close();

  step = "batch: two good files and one bad";
  await page.click("#nav-6");
  await page.selectOption("#batch-pack", PACK);
  const good2 = path.join(ROOT, "data/township-2019.yaml");
  await page.setInputFiles("#batch-input", [SEED, good2, bad]);
  await page.click("#batch-start");
  await page.waitForFunction(
    () => document.querySelector("#batch-count").textContent.startsWith("全部完成") || document.querySelector("#batch-msg").className.includes("bad"),
    null,
    { timeout: 120_000 },
  );
  assert.doesNotMatch(await page.getAttribute("#batch-msg", "class"), /bad/, `the batch started: ${await page.textContent("#batch-msg")}`);
  assert.equal(await page.textContent("#batch-count"), "全部完成：3 / 3，成功 2 份，失败 1 份。");
  const failure = page.locator("#batch-failures .failures > li");
  assert.equal(await failure.count(), 1);
  assert.match(await failure.first().textContent(), /青年路-有错\.xlsx/);
  assert.match(await failure.first().textContent(), /D3/);
  const zip = await downloadOf(page, () => page.click("#batch-download"));
  const names = Object.keys(unzipSync(new Uint8Array(fs.readFileSync(zip.path))));
  assert.ok(names.includes("失败清单.txt"), `reports.zip lists the failures: ${names}`);
  assert.equal(names.filter((n) => n.endsWith(".docx")).length, 2, `two DOCX reports: ${names}`);
  assert.equal(names.filter((n) => n.endsWith(".pdf")).length, 2, `two PDF reports: ${names}`);

  step = "no script errors";
  assert.deepEqual(pageErrors, [], "the page logged no errors");

  console.log(JSON.stringify({ ok: true, refresh_ms: latencies, milestones_ms: timings, server_ms: serverMs, pages: pagesShown }));
}

/// Clicks and waits for the download; returns {name, path}.
async function downloadOf(page, click) {
  const [dl] = await Promise.all([page.waitForEvent("download"), click()]);
  const file = path.join(opts.work, "downloads", `${Date.now()}-${dl.suggestedFilename()}`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await dl.saveAs(file);
  return { name: dl.suggestedFilename(), path: file };
}

async function fillIfEmpty(page, selector, value) {
  if (!(await page.inputValue(selector))) await page.fill(selector, value);
}

/// Whether the first page's canvas has dark pixels (text drawn).
async function canvasHasInk(page) {
  return page.evaluate(() => {
    const c = document.querySelector("#pages canvas");
    const data = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let dark = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i] < 100 && data[i + 3] > 0) dark++;
    return dark > 500;
  });
}

let code = 0;
try {
  await main();
} catch (e) {
  console.error(`FAILED at step "${step}": ${e && e.stack ? e.stack : e}`);
  code = 1;
} finally {
  for (const f of cleanups.reverse()) {
    try {
      await f();
    } catch (e) {
      /* already gone */
    }
  }
}
process.exit(code);
